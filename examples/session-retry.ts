// Retrying express-session a few times before giving up on a session: while the store reports its
// client disconnected, express-session lets the request through without one. A short outage (a Redis
// restart, a failover) can then end while the request waits, and the request gets its session after all.
import express, { type RequestHandler } from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import { createRedisStore, requireSession } from 'redis-session-store'

/** express-session, tried up to `attempts` times, `delayMs` apart, until the request has a session. */
export function sessionWithRetries(sessionMiddleware: RequestHandler, attempts = 3, delayMs = 100): RequestHandler {
  return (req, res, next) => {
    let triesLeft = attempts
    const afterAttempt = (error?: unknown) => {
      // A store error (a timeout, say) is not an outage that waiting helps with: report it.
      if (error) return next(error)
      if (req.session || --triesLeft === 0) return next()
      setTimeout(() => sessionMiddleware(req, res, afterAttempt), delayMs)
    }
    sessionMiddleware(req, res, afterAttempt)
  }
}

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
client.on('error', (error) => console.error('redis:', error.message))

const app = express()
const sessions = session({
  store: createRedisStore({ client }),
  secret: process.env.SESSION_SECRET ?? 'keyboard cat',
  resave: false,
  saveUninitialized: false,
})
app.use(sessionWithRetries(sessions))
// Still no session after the retries: answer 503 rather than run the routes without one.
app.use(requireSession())
app.get('/', (req, res) => {
  res.send(`session ${req.sessionID}`)
})
app.listen(3000)
