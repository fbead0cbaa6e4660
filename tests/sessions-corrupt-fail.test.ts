import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, RedisSessionStoreError, type RedisStoreOptions, type SessionWithId } from '../src/index.js'
import { connectClient } from './helpers/clients.js'
import { holdFirst } from './helpers/held-commands.js'
import type { Inspector } from './helpers/inspector.js'
import { watchPageReads } from './helpers/page-reads.js'
import { waitFor } from './helpers/poll.js'
import type { ServerProcess } from './helpers/servers.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite("onCorruptSession 'fail': bulk reads skip, report and keep what they cannot read; get() deletes it")
let client: NodeRedisClient
let redis: Inspector
let server: ServerProcess
redisFor(test, (started) => ({ nodeRedis: client, redis, server } = started))

/** A 'fail' store with `count` good sessions, g0, g1, ... (g1, g3, ... signed in as ada), and what it reports. */
async function failStoreWith(count: number, options: Omit<RedisStoreOptions, 'client'> = {}) {
  const prefix = uniquePrefix('fail')
  const store = createRedisStore({
    client,
    prefix,
    onCorruptSession: 'fail',
    userId: (session) => (session as TestSession).user as string | undefined,
    ...options,
  })
  const reported: unknown[] = []
  store.on('corruptSession', (error) => reported.push(error))
  const good = Array.from({ length: count }, (_, i) => `g${i}`)
  for (const [i, sid] of good.entries()) await store.set(sid, sessionFor({ i, ...(i % 2 ? { user: 'ada' } : {}) }))
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

function assertDecodeErrors(reported: unknown[], count: number): void {
  assert.is(reported.length, count)
  for (const error of reported) {
    assert.instance(error, RedisSessionStoreError)
    assert.is(codeOf(error), 'ERR_SESSION_DECODE')
  }
}

const sorted = (texts: string[]) => [...texts].sort()

test('all() answers every readable session, reports the unreadable values and keeps them', async () => {
  const { prefix, store, good, reported } = await failStoreWith(3)
  await redis.set(`${prefix}bad`, 'not json')
  // Not a session at all: a counter another part of the application keeps under the same prefix.
  await redis.set(`${prefix}hits`, '42')
  for (let call = 1; call <= 2; call++) {
    assert.equal(sorted((await store.all()).map((session) => session.id)), good)
    assertDecodeErrors(reported, 2 * call)
    assert.is(await redis.get(`${prefix}bad`), 'not json')
    assert.is(await redis.get(`${prefix}hits`), '42')
  }
})

test('sessions() yields every readable session of every page, reports the unreadable one and keeps it', async () => {
  const { prefix, store, good, reported } = await failStoreWith(60, { scanCount: 5 })
  const { watch, corrupted } = corruptingPage(2)
  let loop: Awaited<ReturnType<typeof iterate>>
  try {
    loop = await iterate(store.sessions())
  } finally {
    watch.stop()
  }
  const bad = corrupted()
  assert.ok(bad, 'a third page was read')
  assert.is(loop.error, undefined)
  assert.equal(sorted([...new Set(loop.yielded)]), sorted(good.filter((sid) => `${prefix}${sid}` !== bad)))
  assertDecodeErrors(reported, 1)
  assert.is(await redis.get(bad), 'not json')
})

test('a sessions() loop that stops early deletes nothing in the page it read ahead', async () => {
  const { store, reported } = await failStoreWith(60, { scanCount: 5 })
  const { watch, corrupted } = corruptingPage(1)
  let stopped: Awaited<ReturnType<typeof iterate>>
  try {
    stopped = await iterate(store.sessions(), 1)
  } finally {
    watch.stop()
  }
  assert.is(stopped.error, undefined)
  const bad = corrupted()
  assert.ok(bad, 'a second page was read ahead')
  // That read goes on after the loop has ended.
  await waitFor('the read-ahead page to be judged', () => reported.length > 0, { timeoutMs: 2_000, intervalMs: 10 })
  await sleep(20)
  assert.is(await redis.get(bad), 'not json')
})

test("userSessions() lists the user's readable sessions, reports the unreadable one and keeps its value and index entry", async () => {
  const { prefix, store, good, reported } = await failStoreWith(6)
  const ada = good.filter((_, i) => i % 2)
  await redis.set(`${prefix}${ada[0]}`, 'not json')
  for (let call = 1; call <= 2; call++) {
    assert.equal(sorted(await store.userSessions('ada')), ada.slice(1))
    assertDecodeErrors(reported, call)
  }
  assert.is(await redis.get(`${prefix}${ada[0]}`), 'not json')
})

test('with an empty prefix under an ioredis keyPrefix, all() keeps what else the application stores there', async () => {
  const prefixed = await connectClient('ioredis 6', server, { keyPrefix: uniquePrefix('app') })
  try {
    const store = createRedisStore({ client: prefixed.client, prefix: '', onCorruptSession: 'fail' })
    store.on('corruptSession', () => {})
    const { keyPrefix } = (prefixed.client as unknown as { options: { keyPrefix: string } }).options
    await store.set('sid', sessionFor())
    await redis.set(`${keyPrefix}hits`, '42')
    await redis.set(`${keyPrefix}feature-flags`, '["dark-mode"]')
    assert.equal(
      (await store.all()).map((session) => session.id),
      ['sid'],
    )
    assert.is(await redis.get(`${keyPrefix}hits`), '42')
    assert.is(await redis.get(`${keyPrefix}feature-flags`), '["dark-mode"]')
  } finally {
    await prefixed.close()
  }
})

// What get() fails to read: text, and bytes the client's reply turned into other text (its UTF-8 decoding replaced them).
const unreadable = { text: 'not json', 'bytes that are not UTF-8': Buffer.from([0xff, 0xfe, 0x7b, 0x80]) }

for (const [kind, value] of Object.entries(unreadable)) {
  test(`get() rejects with ERR_SESSION_DECODE and deletes ${kind} it could not read`, async () => {
    const { prefix, store, reported } = await failStoreWith(0)
    await client.set(`${prefix}bad`, value)
    assert.is(codeOf(await store.get('bad').catch((e: unknown) => e)), 'ERR_SESSION_DECODE')
    assert.is(await redis.exists(`${prefix}bad`), false)
    assert.is(await store.get('bad'), null)
    assertDecodeErrors(reported, 0)
  })
}

// The command the store sends last before its delete: held while a valid session is saved under the key.
const races = [
  { kind: 'text', held: 1 },
  { kind: 'bytes that are not UTF-8', held: 1 },
  { kind: 'bytes that are not UTF-8', held: 2 },
] as const

for (const { kind, held: heldScript } of races) {
  test(`get() keeps a session saved after it read ${kind} it could not read (held before script ${heldScript})`, async () => {
    const prefix = uniquePrefix('race')
    let scripts = 0
    // A plain DEL, or the n-th script, whichever comes first.
    const { client: holding, held } = holdFirst(client, (method, args) => {
      if (method === 'del') return true
      const command = method === 'sendCommand' ? String((args[0] as string[])[0]).toUpperCase() : ''
      return command.startsWith('EVAL') && ++scripts === heldScript
    })
    const store = createRedisStore({ client: holding, prefix, onCorruptSession: 'fail' })
    await client.set(`${prefix}s`, unreadable[kind])
    const failing = store.get('s').catch((e: unknown) => e)
    await held.arrived
    const saved = sessionFor({ saved: 'meanwhile' })
    await redis.set(`${prefix}s`, JSON.stringify(saved))
    held.release()
    assert.is(codeOf(await failing), 'ERR_SESSION_DECODE')
    assert.equal(await store.get('s'), saved)
  })
}

test.run()
