// Fastify with @fastify/session: the same store, no express-session needed.
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify, { type FastifyError, type Session } from 'fastify'
import { createClient } from 'redis'
import { createRedisStore } from 'redis-session-store'

// The session's own fields, typed: @fastify/session's Session merges this declaration.
declare module 'fastify' {
  interface Session {
    userId?: string
    views?: number
  }
}

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// Named, so that get(), all() and userId see @fastify/session's Session (with userId typed) rather than
// express-session's SessionData, which the store takes by default when @types/express-session is installed.
const store = createRedisStore<typeof client, Session>({
  client,
  prefix: 'myapp:',
  // The user a session belongs to, for userSessions() and destroyUserSessions().
  userId: (session: Session) => session.userId,
})

const app = Fastify({ logger: true })
await app.register(fastifyCookie)
await app.register(fastifySession, {
  // @fastify/session wants a secret of at least 32 characters.
  secret: process.env.SESSION_SECRET ?? 'a secret of at least thirty-two characters',
  store,
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000, secure: 'auto' },
})

// While Redis is down the store fails at once (or after its timeout), and @fastify/session passes that error on:
// answer it with 503 and Retry-After instead of Fastify's default 500.
const UNAVAILABLE = new Set(['ERR_STORE_NOT_CONNECTED', 'ERR_STORE_TIMEOUT'])
app.setErrorHandler((error: FastifyError, _request, reply) => {
  if (error.code && UNAVAILABLE.has(error.code)) {
    return reply.code(503).header('retry-after', '1').send({ error: 'sessions are unavailable; try again shortly' })
  }
  reply.log.error(error)
  return reply.code(error.statusCode ?? 500).send({ error: 'something went wrong' })
})

app.post<{ Body: { user?: string } }>('/login', async (request) => {
  await request.session.regenerate()
  request.session.userId = String(request.body?.user ?? 'anonymous') // check the password here
  return { signedIn: request.session.userId }
})

app.get('/', async (request) => {
  request.session.views = (request.session.views ?? 0) + 1
  return { views: request.session.views, user: request.session.userId ?? null }
})

app.get('/devices', async (request, reply) => {
  const { userId } = request.session
  if (!userId) return reply.code(401).send({ error: 'sign in first' })
  return { sessions: (await store.userSessions(userId)).length }
})

await app.listen({ port: Number(process.env.PORT ?? 3000) })
