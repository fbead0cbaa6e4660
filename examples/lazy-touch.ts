import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

const app = express()
app.use(
  session({
    // Keys live 60 s beyond their cookie, so an unchanged session is re-extended at most once a minute
    // per app instance: a returning visitor costs one GET instead of a GET and an EXPIRE.
    store: createRedisStore({ client, touchAfter: 60 }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { maxAge: 30 * 60 * 1000 },
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

app.get('/', (req, res) => {
  res.send(req.session.user ? `hello ${req.session.user}` : 'hello stranger')
})

app.listen(3000)

declare module 'express-session' {
  interface SessionData {
    user: string
  }
}
