// Fastify with @fastify/session: the same store, no express-session needed.
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify from 'fastify'
import { createClient } from 'redis'
import { createRedisStore } from 'redis-session-store'

declare module 'fastify' {
  interface Session {
    views?: number
  }
}

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

const app = Fastify({ logger: true })
await app.register(fastifyCookie)
await app.register(fastifySession, {
  // @fastify/session wants a secret of at least 32 characters.
  secret: process.env.SESSION_SECRET ?? 'a secret of at least thirty-two characters',
  store: createRedisStore({ client, prefix: 'myapp:' }),
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000, secure: 'auto' },
})

app.get('/', async (request) => {
  request.session.views = (request.session.views ?? 0) + 1
  return { views: request.session.views }
})

await app.listen({ port: 3000 })
