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
    store: createRedisStore({ client, prefix: 'myapp:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false, // the store implements touch(), so an unchanged session need not be written again
    saveUninitialized: false, // don't store a session until something is put in it
    cookie: { maxAge: 24 * 60 * 60 * 1000 },
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  res.send(`views: ${req.session.views}`)
})

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address()
  console.info(`listening on http://localhost:${typeof address === 'object' && address ? address.port : ''}/`)
})

declare module 'express-session' {
  interface SessionData {
    views: number
  }
}
