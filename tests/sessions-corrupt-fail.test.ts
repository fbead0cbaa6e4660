import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, RedisSessionStoreError, type SessionWithId } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { watchPageReads } from './helpers/page-reads.js'
import { waitFor } from './helpers/poll.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite("sessions() with onCorruptSession 'fail' and an unreadable value")
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

/** A 'fail' store with `count` good sessions, g0, g1, ... */
async function failStoreWith(count: number, scanCount: number) {
  const prefix = uniquePrefix('iter-fail')
  const store = createRedisStore({ client, prefix, scanCount, onCorruptSession: 'fail' })
  const reported: unknown[] = []
  store.on('corruptSession', (error) => reported.push(error))
  const good = Array.from({ length: count }, (_, i) => `g${i}`)
  for (const [i, sid] of good.entries()) await store.set(sid, sessionFor({ i }))
  return { prefix, store, good, reported }
}

/**
 * Watches the store's page reads and, just before page number `page` (from 0) is read, makes the value of its first
 * key unreadable: the bad value is in a page of the test's choosing, whatever order SCAN returns the keys in.
 */
function corruptingPage(page: number) {
  let corrupted: string | undefined
  const watch = watchPageReads(client, async (keys, index) => {
    if (index !== page || keys[0] === undefined) return
    corrupted = keys[0]
    await redis.set(corrupted, 'not json')
  })
  return { watch, corrupted: () => corrupted }
}

/** What one for-await loop over sessions() yielded, and how it ended. */
async function iterate(sessions: AsyncIterable<SessionWithId>, stopAfter = Number.POSITIVE_INFINITY) {
  const yielded: string[] = []
  try {
    for await (const session of sessions) {
      yielded.push(session.id)
      if (yielded.length >= stopAfter) break
    }
  } catch (error) {
    return { yielded, error }
  }
  return { yielded, error: undefined }
}

function assertDecodeError(error: unknown): void {
  assert.instance(error, RedisSessionStoreError)
  assert.is((error as RedisSessionStoreError).code, 'ERR_SESSION_DECODE')
  assert.instance((error as Error).cause, SyntaxError)
}

test('in one page: the loop throws ERR_SESSION_DECODE before it yields anything, and the value is deleted', async () => {
  const { prefix, store, good, reported } = await failStoreWith(3, 1000)
  await redis.set(`${prefix}bad`, 'not json')
  const first = await iterate(store.sessions())
  assert.equal(first.yielded, [])
  assertDecodeError(first.error)
  assert.is(await redis.exists(`${prefix}bad`), false)
  for (const sid of good) assert.is(await redis.ttl(`${prefix}${sid}`), 86_400)
  // 'fail' reports through the iterator only.
  assert.equal(reported, [])
  const second = await iterate(store.sessions())
  assert.is(second.error, undefined)
  assert.equal([...second.yielded].sort(), good)
})

test('across pages: it yields every session of the pages before the bad one, then throws and reads at most one page more', async () => {
  const { prefix, store, good } = await failStoreWith(60, 5)
  const { watch, corrupted } = corruptingPage(2)
  let first: Awaited<ReturnType<typeof iterate>>
  try {
    first = await iterate(store.sessions())
  } finally {
    watch.stop()
  }
  const bad = corrupted()
  assert.ok(bad, 'a third page was read')
  const sidsOf = (keys: string[]) => keys.map((key) => key.slice(prefix.length))
  assert.equal(first.yielded, sidsOf(watch.reads.slice(0, 2).flatMap((read) => read.keys)))
  assertDecodeError(first.error)
  // The page after the bad one may already have been read (read-ahead), and no later one.
  assert.ok(watch.reads.length <= 4, `${watch.reads.length} pages read`)
  assert.is(await redis.exists(bad), false)
  // The other sessions of the bad page are kept, unread.
  for (const key of watch.reads[2]?.keys.slice(1) ?? []) assert.ok(await redis.exists(key), key)
  const second = await iterate(store.sessions())
  assert.is(second.error, undefined)
  const left = good.filter((sid) => `${prefix}${sid}` !== bad)
  assert.equal([...new Set(second.yielded)].sort(), [...left].sort())
})

test('a loop that stops before the bad page gets no error, though that page was read ahead and its value is deleted', async () => {
  const { store } = await failStoreWith(60, 5)
  const { watch, corrupted } = corruptingPage(1)
  let stopped: Awaited<ReturnType<typeof iterate>>
  try {
    stopped = await iterate(store.sessions(), 1)
  } finally {
    watch.stop()
  }
  assert.is(stopped.error, undefined)
  assert.is(stopped.yielded.length, 1)
  // The first page, and the second read ahead while the first was handed out; no third.
  assert.is(watch.reads.length, 2)
  const bad = corrupted()
  assert.ok(bad, 'a second page was read')
  // That read goes on after the loop has ended: its DEL lands in the background, its error is dropped.
  await waitFor('the background DEL', async () => !(await redis.exists(bad)), { timeoutMs: 2_000, intervalMs: 10 })
  assert.is(await redis.exists(bad), false)
})

test.run()
