import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import { CLIENT_LIBRARIES, type ClientHandle, connectClient, connectGlide, GLIDE } from './helpers/clients.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { type ServerProcess, sharedServer, startRedis } from './helpers/servers.js'
import { codeOf, sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'
import { userSessionsSuite } from './suites/user-sessions.js'

const running = sharedServer(startRedis)

const options = suite<{ handle: ClientHandle; redis: Inspector }>('sessions per user: the option')
let handle: ClientHandle
let redis: Inspector
let server: ServerProcess
redisFor(options, { server: running }, (started) => ({ handle, redis, server } = started))

options('rejects a userId that is not a function with a TypeError naming it', () => {
  for (const userId of ['user', 42, {}, null]) {
    assert.throws(
      () => createRedisStore({ client: handle.client, userId: userId as never }),
      (error: unknown) => error instanceof TypeError && /"userId"/.test(error.message),
    )
  }
})

options('rejects userId with a prefix its index keys would fall under', () => {
  for (const prefix of ['', 'u', 'user-sessions:']) {
    assert.throws(
      () => createRedisStore({ client: handle.client, prefix, userId: () => undefined }),
      (error: unknown) => error instanceof TypeError && /"userId"/.test(error.message),
    )
  }
})

options('without the option, userSessions and destroyUserSessions reject with a clear error', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('n') })
  for (const call of [() => store.userSessions('ada'), () => store.destroyUserSessions('ada')]) {
    const error = await call().catch((e: unknown) => e)
    assert.is(codeOf(error), 'ERR_USER_ID_OPTION_MISSING')
    assert.match((error as Error).message, /userId option/)
  }
})

options('without the option, set, touch, destroy and clear send no extra command', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('n') })
  const counted = ['set', 'expire', 'del', 'unlink', 'scan', 'eval', 'evalsha', 'zadd', 'zrange', 'zrem']
  const counts = async () => Object.fromEntries(await Promise.all(counted.map(async (c) => [c, await redis.calls(c)])))
  const before = await counts()
  await store.set('a', sessionFor({ user: 'ada' }))
  await store.touch('a', sessionFor({ user: 'ada' }))
  await store.destroy('a')
  await store.clear()
  const after = await counts()
  const sent = Object.fromEntries(counted.map((c) => [c, after[c] - before[c]]))
  // clear() on an empty prefix: one SCAN loop (one call on one node), nothing to unlink.
  assert.equal(sent, {
    set: 1,
    expire: 1,
    del: 1,
    unlink: 0,
    scan: 1,
    eval: 0,
    evalsha: 0,
    zadd: 0,
    zrange: 0,
    zrem: 0,
  })
})

options(
  'with the option, set sends the SET and one index update, and nothing for a session without a user',
  async () => {
    const store = createRedisStore({
      client: handle.client,
      prefix: uniquePrefix('w'),
      userId: (s) => (s as { user?: string }).user,
    })
    const before = { set: await redis.calls('set'), eval: await redis.calls('eval') }
    await store.set('a', sessionFor({ user: 'ada' }))
    await store.set('anonymous', sessionFor())
    assert.is((await redis.calls('set')) - before.set, 2)
    assert.is((await redis.calls('eval')) - before.eval, 1)
  },
)

options('works under an ioredis keyPrefix, and clear() finds the index keys under it', async () => {
  const prefixed = await connectClient('ioredis 6', server, { keyPrefix: 'kp:' })
  try {
    const prefix = uniquePrefix('k')
    const store = createRedisStore({ client: prefixed.client, prefix, userId: (s) => (s as { user?: string }).user })
    await store.set('a', sessionFor({ user: 'ada' }))
    await store.set('b', sessionFor({ user: 'ada' }))
    assert.ok(await redis.exists(`kp:${userIndexPrefixFor(prefix)}ada`))
    assert.equal((await store.userSessions('ada')).sort(), ['a', 'b'])
    assert.is(await store.length(), 2)
    await store.clear()
    assert.equal(
      (await redis.keys()).filter((key) => key.includes(prefix)),
      [],
    )
  } finally {
    await prefixed.close()
  }
})

const suites = [
  options,
  ...CLIENT_LIBRARIES.map((library) =>
    userSessionsSuite(`standalone server, ${library}`, {
      connect: async () => connectClient(library, await running()),
      inspector: async () => standaloneInspector(await running()),
    }),
  ),
  userSessionsSuite(`standalone server, ${GLIDE}`, {
    connect: async () => connectGlide(await running()),
    inspector: async () => standaloneInspector(await running()),
  }),
]
suites.at(-1)?.after(running.stop)
for (const test of suites) test.run()
