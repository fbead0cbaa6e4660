import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import type { LightMyRequestResponse, Session } from 'fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type SupportedClient } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

declare module 'fastify' {
  interface Session {
    visits?: number
  }
}

const SECRET = 'a fastify session secret of at least 32 characters'
const MAX_AGE_MS = 10 * 60 * 1000

interface Context {
  server: ServerProcess
  handle: ClientHandle
  redis: Inspector
}

/** A Fastify app that counts visits in @fastify/session, with the store under the given prefix. */
async function countingApp(client: SupportedClient, prefix: string): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: SECRET,
    // @fastify/session's own session type: this checkout also has express-session's, which the store would take.
    store: createRedisStore<SupportedClient, Session>({ client, prefix }),
    saveUninitialized: false,
    cookie: { secure: false, maxAge: MAX_AGE_MS },
  })
  app.get('/visit', async (request) => {
    request.session.visits = (request.session.visits ?? 0) + 1
    return { visits: request.session.visits }
  })
  app.post('/sign-out', async (request) => {
    await request.session.destroy()
    return { signedOut: true }
  })
  await app.ready()
  return app
}

const cookieOf = (response: LightMyRequestResponse) => {
  const cookie = response.cookies.find((c) => c.name === 'sessionId')
  assert.ok(cookie, 'the response sets the session cookie')
  return `sessionId=${cookie.value}`
}

const sessionKeys = async (redis: Inspector, prefix: string) =>
  (await redis.keys()).filter((key) => key.startsWith(prefix))

for (const library of ['node-redis 6', 'ioredis 6'] as const) {
  const test = suite<Context>(`@fastify/session with the store, ${library}`)

  test.before(async (context) => {
    context.server = await startRedis()
    context.handle = await connectClient(library, context.server)
    context.redis = await standaloneInspector(context.server)
  })
  test.after(async ({ server, handle, redis }) => {
    await handle?.close()
    await redis?.close()
    await server?.stop()
  })

  test('keeps a session in Redis across requests, with the cookie maxAge as its expiry', async ({ handle, redis }) => {
    const prefix = uniquePrefix('fastify')
    const app = await countingApp(handle.client, prefix)
    try {
      const first = await app.inject({ method: 'GET', url: '/visit' })
      assert.equal(first.json(), { visits: 1 })
      const cookie = cookieOf(first)
      const second = await app.inject({ method: 'GET', url: '/visit', headers: { cookie } })
      assert.equal(second.json(), { visits: 2 })

      const [key, ...others] = await sessionKeys(redis, prefix)
      assert.ok(key, 'one session is stored under the prefix')
      assert.is(others.length, 0)
      assert.is(JSON.parse((await redis.get(key)) ?? 'null').visits, 2)
      const ttl = await redis.ttl(key)
      assert.ok(ttl > 0 && ttl <= MAX_AGE_MS / 1000, `ttl ${ttl} follows the cookie's maxAge`)
    } finally {
      await app.close()
    }
  })

  test('reads the session back in a second app on the same Redis (a restart)', async ({ handle }) => {
    const prefix = uniquePrefix('fastify')
    const before = await countingApp(handle.client, prefix)
    const cookie = cookieOf(await before.inject({ method: 'GET', url: '/visit' }))
    await before.close()
    const after = await countingApp(handle.client, prefix)
    try {
      assert.equal((await after.inject({ method: 'GET', url: '/visit', headers: { cookie } })).json(), { visits: 2 })
    } finally {
      await after.close()
    }
  })

  test('deletes the session from Redis when the route destroys it', async ({ handle, redis }) => {
    const prefix = uniquePrefix('fastify')
    const app = await countingApp(handle.client, prefix)
    try {
      const cookie = cookieOf(await app.inject({ method: 'GET', url: '/visit' }))
      assert.is((await sessionKeys(redis, prefix)).length, 1)
      await app.inject({ method: 'POST', url: '/sign-out', headers: { cookie } })
      assert.equal(await sessionKeys(redis, prefix), [])
      assert.equal((await app.inject({ method: 'GET', url: '/visit', headers: { cookie } })).json(), { visits: 1 })
    } finally {
      await app.close()
    }
  })

  test.run()
}
