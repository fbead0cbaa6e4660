import { setTimeout as sleep } from 'node:timers/promises'
import type session from 'express-session'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { touchMemory } from '../src/features/lazy-touch.js'
import { createRedisStore, type RedisStoreOptions } from '../src/index.js'
import { sidIn, signInApp, visit } from './helpers/express-app.js'
import type { Inspector } from './helpers/inspector.js'
import { uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

let client: NodeRedisClient
let redis: Inspector

const storeWith = (options: Omit<RedisStoreOptions, 'client'> = {}) => {
  const prefix = options.prefix ?? uniquePrefix('lazy')
  return { prefix, store: createRedisStore({ client, prefix, ...options }) as unknown as session.Store }
}

/** How many times Redis ran `command` while `work` ran. */
async function countDuring(command: string, work: () => Promise<unknown>): Promise<number> {
  const before = await redis.calls(command)
  await work()
  return (await redis.calls(command)) - before
}

const http = suite('touchAfter through express-session over HTTP')

redisFor(http, (started) => ({ nodeRedis: client, redis } = started))

http('sends an EXPIRE for every returning visitor when touchAfter is off (the default)', async () => {
  const app = signInApp({ store: storeWith().store, rolling: true })
  const { cookie } = await visit(app, '/login')
  const expires = await countDuring('expire', async () => {
    for (let i = 0; i < 3; i++) assert.is((await visit(app, '/read', cookie)).body, 'ada')
  })
  assert.is(expires, 3)
})

http('sends only the GET for a returning visitor soon after the session was written (rolling)', async () => {
  const app = signInApp({ store: storeWith({ touchAfter: 60 }).store, rolling: true })
  const { cookie } = await visit(app, '/login')
  const before = { get: await redis.calls('get'), expire: await redis.calls('expire') }
  for (let i = 0; i < 3; i++) assert.is((await visit(app, '/read', cookie)).body, 'ada')
  assert.is((await redis.calls('get')) - before.get, 3)
  assert.is((await redis.calls('expire')) - before.expire, 0)
})

http('sends the EXPIRE once the key would end more than touchAfter before the renewed cookie', async () => {
  const app = signInApp({ store: storeWith({ touchAfter: 1 }).store, rolling: true })
  const { cookie } = await visit(app, '/login')
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 0)
  // Let more than touchAfter pass: the key now ends more than 1 s before a cookie renewed now.
  await sleep(1_100)
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 1)
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 0)
})

http(
  'never lets the key outlive the cookie the browser was last given, nor end over touchAfter before it',
  async () => {
    const { prefix, store } = storeWith({ touchAfter: 1 })
    const app = signInApp({ store, rolling: true, maxAgeMs: 600_000 })
    const login = await visit(app, '/login')
    const sid = sidIn(login.cookie)
    for (let i = 0; i < 4; i++) {
      const { expires } = await visit(app, '/read', login.cookie)
      const keyExpiresAt = Date.now() + (await client.pTTL(`${prefix}${sid}`))
      assert.ok(expires, 'rolling sets a cookie on every response')
      // The cookie's Expires attribute is in whole seconds.
      const cookieEnds = expires?.getTime() ?? 0
      assert.ok(keyExpiresAt <= cookieEnds + 1_000, `key ends ${keyExpiresAt}, after the cookie ${cookieEnds}`)
      assert.ok(
        keyExpiresAt >= cookieEnds - 2_000,
        `key ends ${keyExpiresAt}, over 1 s before the cookie ${cookieEnds}`,
      )
      await sleep(400)
    }
  },
)

http('a cookie replayed after its idle timeout finds no session, even with a touchAfter far longer', async () => {
  const app = signInApp({ store: storeWith({ touchAfter: 86_400 }).store, maxAgeMs: 2_000 })
  const { cookie } = await visit(app, '/login')
  assert.is((await visit(app, '/read', cookie)).body, 'ada')
  await sleep(2_500)
  assert.is((await visit(app, '/read', cookie)).body, 'nobody')
})

http(
  'keeps a user who is active but changes nothing signed in past the idle timeout (rolling, resave false)',
  async () => {
    const app = signInApp({ store: storeWith({ touchAfter: 1 }).store, rolling: true, maxAgeMs: 2_000 })
    const { cookie } = await visit(app, '/login')
    let expires = 0
    for (let i = 0; i < 10; i++) {
      await sleep(400)
      expires += await countDuring('expire', async () => assert.is((await visit(app, '/read', cookie)).body, 'ada'))
    }
    // Four seconds of visits, twice the idle timeout: renewed, but not on every visit.
    assert.ok(expires >= 2 && expires < 10, `${expires} EXPIREs for 10 visits`)
  },
)

http('makes another instance send one EXPIRE for a session it never wrote, then skip', async () => {
  const { prefix } = storeWith()
  const writer = signInApp({ store: storeWith({ prefix, touchAfter: 60 }).store, rolling: true })
  const reader = signInApp({ store: storeWith({ prefix, touchAfter: 60 }).store, rolling: true })
  const { cookie } = await visit(writer, '/login')
  assert.is(await countDuring('expire', () => visit(reader, '/read', cookie)), 1)
  assert.is(await countDuring('expire', () => visit(reader, '/read', cookie)), 0)
  assert.is(await countDuring('expire', () => visit(writer, '/read', cookie)), 0)
})

http('with a ttl function, skips only what this instance itself wrote or touched', async () => {
  const { prefix } = storeWith()
  const ttl = () => 600
  const writer = signInApp({ store: storeWith({ prefix, ttl, touchAfter: 60 }).store })
  const reader = signInApp({ store: storeWith({ prefix, ttl, touchAfter: 60 }).store })
  const { cookie } = await visit(writer, '/login')
  assert.is(await countDuring('expire', () => visit(writer, '/read', cookie)), 0)
  assert.is(await countDuring('expire', () => visit(reader, '/read', cookie)), 1)
  assert.is(await countDuring('expire', () => visit(reader, '/read', cookie)), 0)
})

http('sends the EXPIRE again once another writer has changed the stored session', async () => {
  const { prefix, store } = storeWith({ ttl: () => 600, touchAfter: 60 })
  const app = signInApp({ store })
  const { cookie } = await visit(app, '/login')
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 0)
  // Another instance rewrites the session, perhaps with a shorter life: this process's memory no longer holds.
  await client.set(`${prefix}${sidIn(cookie)}`, JSON.stringify({ cookie: {}, user: 'ada', role: 'guest' }), { EX: 5 })
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 1)
  assert.ok((await redis.ttl(`${prefix}${sidIn(cookie)}`)) >= 599)
})

http('with disableTTL, writes keys without expiry and never touches', async () => {
  const { prefix, store } = storeWith({ touchAfter: 60, disableTTL: true })
  const app = signInApp({ store, rolling: true })
  const { cookie } = await visit(app, '/login')
  const sid = sidIn(cookie)
  assert.is(await redis.ttl(`${prefix}${sid}`), -1)
  assert.is(await countDuring('expire', () => visit(app, '/read', cookie)), 0)
})

http.run()

const memory = suite('touchMemory')

memory('forgets the least recently used session first, so its next touch is sent', () => {
  const remembered = touchMemory(60, 2)
  const since = performance.now()
  for (const sid of ['a', 'b', 'c']) remembered.wrote(sid, `{"${sid}":1}`, 100, since)
  assert.not.ok(remembered.canSkipTouch('a', 100))
  assert.ok(remembered.canSkipTouch('b', 100))
  assert.ok(remembered.canSkipTouch('c', 100))
})

memory('does not skip a touch that would move the expiry beyond what is known', () => {
  const remembered = touchMemory(10)
  remembered.wrote('a', '{}', 100, performance.now())
  assert.ok(remembered.canSkipTouch('a', 105))
  assert.not.ok(remembered.canSkipTouch('a', 111))
})

memory('remembers nothing when touchAfter is 0', () => {
  const remembered = touchMemory(0)
  remembered.wrote('a', '{}', 100, performance.now())
  assert.not.ok(remembered.canSkipTouch('a', 1))
})

memory.run()

const options = suite('touchAfter option')

options('rejects a value that is not a whole number of seconds, naming the option', () => {
  for (const touchAfter of [-1, 1.5, '5', Number.NaN, null]) {
    assert.throws(
      () => createRedisStore({ client: createClient(), touchAfter } as unknown as RedisStoreOptions),
      (error: Error) => error instanceof TypeError && /touchAfter/.test(error.message),
    )
  }
})

options.run()
