// Sessions on Valkey with iovalkey (any client of the package works with Valkey, and these with Redis).
import express from 'express'
import session from 'express-session'
import { Redis } from 'iovalkey'
import { createRedisStore, requireSession } from 'redis-session-store'

const client = new Redis(process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379')
client.on('error', (error) => console.error('valkey:', error.message))

const app = express()
app.use(
  session({
    store: createRedisStore({ client, prefix: 'myapp:sess:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())
app.get('/', (req, res) => {
  req.session.seen = (req.session.seen ?? 0) + 1
  res.send(`seen: ${req.session.seen}`)
})
app.listen(Number(process.env.PORT ?? 3000))

declare module 'express-session' {
  interface SessionData {
    seen: number
  }
}
