import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite('touchAfter with the userId option: the index entry is touched with its session')
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

const userOf = (session: unknown) => (session as TestSession).user as string | undefined

function storeWith(touchAfter: number) {
  const prefix = uniquePrefix('lazy-user')
  const store = createRedisStore({ client, prefix, touchAfter, userId: userOf })
  return { prefix, store, indexKey: `${userIndexPrefixFor(prefix)}ada` }
}

const adaExpiringIn = (ms: number) => sessionFor({ user: 'ada' }, { expires: new Date(Date.now() + ms) })

/** Scripts run, by digest or as text: the index updates. */
const scripts = async () => (await redis.calls('evalsha')) + (await redis.calls('eval'))

/** The EXPIREs and the index updates Redis ran during `work`. */
async function sentDuring(work: () => Promise<unknown>): Promise<{ expire: number; index: number }> {
  const before = { expire: await redis.calls('expire'), index: await scripts() }
  await work()
  return { expire: (await redis.calls('expire')) - before.expire, index: (await scripts()) - before.index }
}

/** When the index says the session expires, and when its key does, in Unix milliseconds by Redis's clock. */
async function expiries(prefix: string, indexKey: string, sid: string) {
  const [score, keyExpiresAt] = await Promise.all([client.zScore(indexKey, sid), client.pExpireTime(`${prefix}${sid}`)])
  return { score, keyExpiresAt }
}

test('a skipped touch sends neither the EXPIRE nor the index update, and the entry ends with its key, within touchAfter of the cookie', async () => {
  const { prefix, store, indexKey } = storeWith(60)
  await store.set('s', adaExpiringIn(600_000))
  const written = await expiries(prefix, indexKey, 's')
  // Written with the key's expiry: the cookie's 600 s, nothing more.
  assert.ok(written.score !== null && Math.abs(written.score - written.keyExpiresAt) <= 5, JSON.stringify(written))
  for (let i = 0; i < 3; i++) {
    const renewed = adaExpiringIn(600_000)
    assert.equal(await sentDuring(() => store.touch('s', renewed)), { expire: 0, index: 0 })
    assert.equal(await expiries(prefix, indexKey, 's'), written)
    const cookieEnds = new Date(renewed.cookie.expires as Date).getTime()
    assert.ok(written.keyExpiresAt <= cookieEnds && written.keyExpiresAt >= cookieEnds - 60_000)
  }
  assert.equal(await store.userSessions('ada'), ['s'])
})

test('a touch that is sent re-scores the index entry with the new expiry', async () => {
  const { prefix, store, indexKey } = storeWith(60)
  await store.set('s', adaExpiringIn(600_000))
  const written = await expiries(prefix, indexKey, 's')
  // A cookie renewed more than touchAfter (60 s) past what the key was given cannot be skipped.
  const later = adaExpiringIn(700_000)
  const laterMs = new Date(later.cookie.expires as Date).getTime()
  assert.equal(await sentDuring(() => store.touch('s', later)), { expire: 1, index: 1 })
  const touched = await expiries(prefix, indexKey, 's')
  assert.ok(
    touched.score !== null && touched.score > (written.score ?? 0) + 90_000,
    JSON.stringify({ written, touched }),
  )
  // Both now end with the new cookie (give or take the second EXPIRE rounds to), never after it.
  for (const at of [touched.score ?? 0, touched.keyExpiresAt]) {
    assert.ok(at >= laterMs - 1_000 && at <= laterMs + 1_000, `${at} against a cookie ending ${laterMs}`)
  }
  assert.ok((await client.pExpireTime(indexKey)) >= (touched.score ?? 0))
  // Known again: the next touch with the same cookie is skipped, index and all.
  assert.equal(await sentDuring(() => store.touch('s', later)), { expire: 0, index: 0 })
})

test('once touchAfter has passed, the touch of an unchanged cookie sends the index update with the EXPIRE', async () => {
  const { prefix, store, indexKey } = storeWith(1)
  await store.set('s', adaExpiringIn(600_000))
  assert.equal(await sentDuring(() => store.touch('s', adaExpiringIn(600_000))), { expire: 0, index: 0 })
  const before = await expiries(prefix, indexKey, 's')
  // More than touchAfter later, a cookie renewed to the same maxAge ends more than touchAfter after the key: the touch goes out.
  await sleep(1_100)
  assert.equal(await sentDuring(() => store.touch('s', adaExpiringIn(600_000))), { expire: 1, index: 1 })
  const after = await expiries(prefix, indexKey, 's')
  assert.ok((after.score ?? 0) >= (before.score ?? 0) + 1_000, JSON.stringify({ before, after }))
  assert.ok(Math.abs((after.score ?? 0) - after.keyExpiresAt) <= 1_000, JSON.stringify(after))
})

test('a session another instance wrote gets its first touch, and its index entry, sent', async () => {
  const { prefix, store, indexKey } = storeWith(60)
  // Saved before the option (or by an instance without it): no index entry yet, and this process knows nothing.
  await createRedisStore({ client, prefix }).set('old', adaExpiringIn(600_000))
  assert.is(await client.zScore(indexKey, 'old'), null)
  const session = await store.get('old')
  assert.ok(session)
  assert.equal(await sentDuring(() => store.touch('old', adaExpiringIn(600_000))), { expire: 1, index: 1 })
  assert.ok((await client.zScore(indexKey, 'old')) !== null)
  assert.equal(await store.userSessions('ada'), ['old'])
  assert.equal(await sentDuring(() => store.touch('old', adaExpiringIn(600_000))), { expire: 0, index: 0 })
})

test.run()
