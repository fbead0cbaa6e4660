// An app that keeps answering while Redis is down: calls to the store give up after the timeout,
// fail at once while the client is disconnected, and routes that need a session answer 503 meanwhile.
import express, { type ErrorRequestHandler } from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
// Without an 'error' listener, a lost connection would crash the process.
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// Every call settles within 1000 ms (the default is 2000; 0 turns the deadline off).
const store = createRedisStore({ client, timeout: 1000 })
store.on('disconnect', () => console.warn('sessions unavailable: the Redis client is not connected'))
store.on('connect', () => console.info('sessions available again'))

const app = express()
app.use(
  session({ store, secret: process.env.SESSION_SECRET ?? 'keyboard cat', resave: false, saveUninitialized: false }),
)

// Routes before requireSession work with or without a session.
app.get('/health', (req, res) => {
  res.json({ sessions: req.session ? 'available' : 'unavailable' })
})

// From here on, a request without a session gets 503 with Retry-After: 1.
app.use(requireSession())

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  res.send(`visits: ${req.session.visits}`)
})

const onError: ErrorRequestHandler = (error, req, res, _next) => {
  // express-session may report a touch that failed after the answer was written; the answer is complete.
  if (res.headersSent) return
  // Dropping the session keeps express-session from retrying a write that just failed as this answer ends.
  delete (req as { session?: unknown }).session
  console.error(error)
  res.status(500).send('Something went wrong; please try again.')
}
app.use(onError)

app.listen(3000)

declare module 'express-session' {
  interface SessionData {
    visits: number
  }
}
