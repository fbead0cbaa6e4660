import { RESP_TYPES } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, scanKeys } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite('a node-redis 6 client that maps every text reply to a Buffer')
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

const SIDS = Array.from({ length: 30 }, (_, i) => `s${i}`)
const sorted = (texts: string[]) => [...texts].sort()

/** A store on the client seen through `withTypeMapping`, with SIDS saved (half of them signed in as ada), across SCAN pages. */
async function bufferedStore() {
  const buffered = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
  const prefix = uniquePrefix('buffers')
  const store = createRedisStore({
    client: buffered,
    prefix,
    scanCount: 7,
    userId: (session) => (session as TestSession).user as string | undefined,
  })
  for (const [i, sid] of SIDS.entries()) await store.set(sid, sessionFor({ i, ...(i % 2 ? { user: 'ada' } : {}) }))
  return { buffered, prefix, store }
}

test('ids() answers the session ids as text', async () => {
  const { store } = await bufferedStore()
  const ids = await store.ids()
  assert.ok(
    ids.every((id) => typeof id === 'string'),
    `not text: ${ids.map((id) => typeof id)}`,
  )
  assert.equal(sorted(ids), sorted(SIDS))
})

test('all() answers each session with its id as text', async () => {
  const { store } = await bufferedStore()
  const all = await store.all()
  assert.ok(all.every((session) => typeof session.id === 'string'))
  assert.equal(sorted(all.map((session) => session.id)), sorted(SIDS))
  for (const session of all) assert.is(session.id, `s${(session as unknown as TestSession).i}`)
})

test('length() counts the sessions and clear() removes them, index keys included', async () => {
  const { prefix, store } = await bufferedStore()
  assert.is(await store.length(), SIDS.length)
  await store.clear()
  assert.is(await store.length(), 0)
  assert.equal(
    (await redis.keys()).filter((key) => key.includes(prefix)),
    [],
  )
})

test("userSessions() and destroyUserSessions() find the user's sessions", async () => {
  const { prefix, store } = await bufferedStore()
  const ada = SIDS.filter((_, i) => i % 2)
  assert.equal(sorted(await store.userSessions('ada')), sorted(ada))
  assert.is(await store.destroyUserSessions('ada'), ada.length)
  for (const sid of ada) assert.is(await redis.exists(`${prefix}${sid}`), false)
  assert.is(await store.length(), SIDS.length - ada.length)
})

test('scanKeys() yields the keys as text', async () => {
  const { buffered, prefix } = await bufferedStore()
  const keys: unknown[] = []
  for await (const page of scanKeys(buffered, { prefix, count: 7 })) keys.push(...page)
  assert.ok(keys.every((key) => typeof key === 'string'))
  assert.equal(sorted(keys as string[]), sorted(SIDS.map((sid) => `${prefix}${sid}`)))
})

test.run()
