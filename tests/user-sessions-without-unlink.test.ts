import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const userOf = (session: unknown) => (session as TestSession).user as string | undefined

// A server where UNLINK is unknown, as on Redis before 4.0 (the same way clear.test.ts makes one), started when
// the first suite runs.
const serverWithoutUnlink = sharedServer(() => startRedis({ args: ['--rename-command', 'UNLINK', '""'] }))

/** 'ERR' replies the server has sent since it started: an UNLINK it does not know is one (NOSCRIPT is another kind). */
async function errorReplies(redis: Inspector): Promise<number> {
  return Number(/errorstat_ERR:count=(\d+)/.exec(await redis.info('errorstats'))?.[1] ?? 0)
}

function withoutUnlinkSuite(library: 'node-redis 6' | 'ioredis 6') {
  const test = suite(`destroyUserSessions() and clear() on a server without UNLINK (${library})`)
  let handle: ClientHandle
  let redis: Inspector
  redisFor(test, { library, server: serverWithoutUnlink }, (started) => ({ handle, redis } = started))

  const storeWith = () => {
    const prefix = uniquePrefix('no-unlink')
    return { prefix, store: createRedisStore({ client: handle.client, prefix, userId: userOf }) }
  }

  test('the server really has no UNLINK', async () => {
    const reply = await redis.unlink('anything').then(
      () => 'ran',
      (error: Error) => error.message,
    )
    assert.match(reply, /unknown command/i)
  })

  test("destroys the user's sessions with one DEL each, and tries UNLINK only once per store", async () => {
    const { prefix, store } = storeWith()
    for (const sid of ['a1', 'a2', 'a3', 'a4']) await store.set(sid, sessionFor({ user: 'ada' }))
    await store.set('b1', sessionFor({ user: 'bob' }))
    const before = { del: await redis.calls('del'), errors: await errorReplies(redis) }
    assert.is(await store.destroyUserSessions('ada', { except: 'a4' }), 3)
    assert.is((await redis.calls('del')) - before.del, 3)
    assert.is((await errorReplies(redis)) - before.errors, 1)
    for (const sid of ['a1', 'a2', 'a3']) assert.is(await redis.exists(`${prefix}${sid}`), false)
    assert.ok(await redis.exists(`${prefix}a4`))
    assert.ok(await redis.exists(`${prefix}b1`))
    assert.equal(await redis.zRange(`${userIndexPrefixFor(prefix)}ada`, 0, -1), ['a4'])
    // Known missing now: the next removal goes straight to DEL, with no failed UNLINK first.
    const again = { del: await redis.calls('del'), errors: await errorReplies(redis) }
    assert.is(await store.destroyUserSessions('ada'), 1)
    assert.is((await redis.calls('del')) - again.del, 1)
    assert.is((await errorReplies(redis)) - again.errors, 0)
    assert.is(await redis.exists(`${prefix}a4`), false)
    assert.equal(await store.userSessions('ada'), [])
    assert.equal(await store.userSessions('bob'), ['b1'])
  })

  test('clear() removes the sessions and the user index keys with DEL', async () => {
    const { prefix, store } = storeWith()
    await store.set('a', sessionFor({ user: 'ada' }))
    await store.set('b', sessionFor({ user: 'bob' }))
    assert.ok(await redis.exists(`${userIndexPrefixFor(prefix)}ada`))
    const before = await redis.calls('del')
    await store.clear()
    // Two sessions and two indexes.
    assert.is((await redis.calls('del')) - before, 4)
    assert.equal(
      (await redis.keys()).filter((key) => key.includes(prefix)),
      [],
    )
  })

  return test
}

const suites = [withoutUnlinkSuite('node-redis 6'), withoutUnlinkSuite('ioredis 6')]
suites.at(-1)?.after(serverWithoutUnlink.stop)
for (const test of suites) test.run()
