import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { createEncryptedSerializer, createRedisStore, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// Newest first, comma-separated: the first secret encrypts, every one of them still decrypts.
// With none set, createEncryptedSerializer throws at startup instead of storing sessions in clear.
const secrets = (process.env.SESSION_ENCRYPTION_SECRETS ?? '').split(',').filter(Boolean)

const store = createRedisStore({ client, serializer: createEncryptedSerializer({ secrets }) })
// A session that no secret can open (a secret dropped too early, a value altered or copied from
// another key) reads as no session at all; this says so, without the session's contents.
store.on('corruptSession', (error: Error) => console.warn('unreadable session:', error.message))

const app = express()
app.use(
  session({
    store,
    // The cookie's signing secret and the encryption secrets are separate: rotate each on its own.
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  res.send(`visits: ${req.session.visits}`)
})

app.listen(3000)

declare module 'express-session' {
  interface SessionData {
    visits: number
  }
}
