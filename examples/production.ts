// The recommended production setup in one program. Run it with REDIS_URL, SESSION_SECRET and
// SESSION_ENCRYPTION_SECRETS set; it listens on PORT (3000 by default) and stops cleanly on SIGTERM.
import type { Server } from 'node:http'
import express, { type ErrorRequestHandler } from 'express'
import session, { type SessionData } from 'express-session'
import { createClient } from 'redis'
import { createEncryptedSerializer, createRedisStore, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
// Without an 'error' listener a lost connection crashes the process; the store never listens for you.
client.on('error', (error) => console.error('redis:', error.message))
// Serve only once Redis answers: until then every request would run without a session.
await client.connect()

const store = createRedisStore({
  client,
  prefix: 'myapp:sess:',
  // A request waits at most 1 s for Redis, then gets ERR_STORE_TIMEOUT: an outage costs a quick error, never a hang.
  timeout: 1000,
  // A returning visitor whose session did not change costs one GET; its EXPIRE is sent at most once a minute.
  // Sessions may end up to 60 s before their idle timeout, never after it.
  touchAfter: 60,
  // Each user's sessions are indexed, for "sign out everywhere" after a password change.
  userId: (session: SessionData) => session.userId,
  // Keys hold a SHA-256 of the session id: a Redis dump, MONITOR or a traced command signs nobody in.
  hashSessionIds: true,
  // Values are encrypted (AES-256-GCM, bound to the session): a dump reveals no session data. Newest secret first.
  serializer: createEncryptedSerializer({ secrets: (process.env.SESSION_ENCRYPTION_SECRETS ?? '').split(',') }),
})
store.on('disconnect', () => console.warn('sessions unavailable: Redis is not connected'))
store.on('connect', () => console.info('sessions available'))
// No session data and no session id is in this message: it is safe to log.
store.on('corruptSession', (error: Error) => console.warn('unreadable session:', error.message))

const app = express()
app.set('trust proxy', 1) // behind a TLS-terminating proxy, so that `secure` cookies are sent
app.use(express.urlencoded({ extended: false }))
app.use(
  session({
    store,
    name: 'sid',
    // Required: a missing secret stops the process here rather than signing cookies with a default.
    secret: requiredEnv('SESSION_SECRET'),
    resave: false, // the store implements touch()
    saveUninitialized: false, // no Redis write for visitors who never sign in
    rolling: true, // the idle timeout counts from the last request
    cookie: { maxAge: 30 * 60 * 1000, httpOnly: true, sameSite: 'lax', secure: process.env.NODE_ENV === 'production' },
  }),
)

// Answers with or without Redis: for the load balancer's health check.
app.get('/health', (req, res) => {
  res.json({ sessions: req.session ? 'available' : 'unavailable' })
})

// While Redis is down express-session runs routes without req.session; from here on such a request gets 503.
app.use(requireSession())

app.post('/login', (req, res, next) => {
  const userId = String(req.body.user ?? '') // check the password here
  // A new session id at sign-in, so that an id known before it (session fixation) is worth nothing.
  req.session.regenerate((error) => {
    if (error) return next(error)
    req.session.userId = userId
    res.send(`signed in as ${userId}`)
  })
})

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  res.send(`visits: ${req.session.visits}`)
})

app.post('/logout-everywhere', async (req, res, next) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  try {
    const others = await store.destroyUserSessions(userId, { except: req.sessionID })
    req.session.destroy((error) => (error ? next(error) : res.send(`signed out ${others + 1} sessions`)))
  } catch (error) {
    next(error)
  }
})

const onError: ErrorRequestHandler = (error, req, res, _next) => {
  // express-session may report a touch that failed after the answer was written; the answer is complete.
  if (res.headersSent) return
  // Dropping the session keeps express-session from retrying a write that just failed as this answer ends.
  delete (req as { session?: unknown }).session
  const code = (error as { code?: string }).code
  const unavailable = code === 'ERR_STORE_TIMEOUT' || code === 'ERR_STORE_NOT_CONNECTED'
  console.error(code ?? error)
  res.status(unavailable ? 503 : 500).send(unavailable ? 'Try again shortly.' : 'Something went wrong.')
}
app.use(onError)

const server: Server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address()
  console.info(`listening on http://localhost:${typeof address === 'object' && address ? address.port : ''}/`)
})

// A rolling deploy stops instances with SIGTERM: finish the requests in flight (their saves included), then close
// the Redis client, so that nothing is cut off half-way. store.client is the client given above, as connect-redis had it.
process.once('SIGTERM', () => {
  server.close(() => {
    store.client.quit().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
})

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} must be set`)
  return value
}

declare module 'express-session' {
  interface SessionData {
    userId: string
    visits: number
  }
}
