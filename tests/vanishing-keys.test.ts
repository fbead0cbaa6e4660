import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  type CorruptSessionPolicy,
  createRedisStore,
  type RedisSessionStore,
  type SessionWithId,
} from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { type PageRead, watchPageReads } from './helpers/page-reads.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const server = sharedServer(startRedis)

const SESSIONS = 60
// Small pages, so that there are many and the keys vanish with pages still to come.
const SCAN_COUNT = 5
// The page (from 0) whose keys vanish: SCAN has returned it, the first page has been handed out, and it is not yet read.
const VANISHING_PAGE = 2

interface Vanishing {
  /** Sids whose keys were deleted, or expired, after SCAN returned them and before their page was read. */
  gone: string[]
  /** Sids whose value was emptied at that moment. */
  emptied: string[]
  /** How many sessions the loop had been given when they vanished. */
  yieldedBefore: number
  /** The read of the page they vanished from, with Redis's answer. */
  read: PageRead | undefined
  pagesRead: number
}

function vanishingSuite(library: 'node-redis 6' | 'ioredis 6') {
  const test = suite(`all() and sessions() skip keys that vanish between SCAN and the read of their page (${library})`)
  let handle: ClientHandle
  // A second client, on a connection of its own: it changes Redis while the store's waits for a page.
  let other: NodeRedisClient
  redisFor(test, { library, server }, (started) => {
    handle = started.handle
  })
  redisFor(test, { server }, (started) => ({ nodeRedis: other } = started))

  async function storeWith(policy: CorruptSessionPolicy) {
    const prefix = uniquePrefix('vanish')
    const store = createRedisStore({ client: handle.client, prefix, scanCount: SCAN_COUNT, onCorruptSession: policy })
    const reported: unknown[] = []
    store.on('corruptSession', (error) => reported.push(error))
    const sids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`)
    for (const [i, sid] of sids.entries()) await store.set(sid, sessionFor({ i }))
    return { prefix, store, sids, reported }
  }

  /**
   * Runs `read` while, just before page VANISHING_PAGE is read, a second client deletes one of its keys, lets one
   * expire (PEXPIRE 1 ms, then waits past it) and empties one: gone from Redis after SCAN returned them.
   */
  async function whileKeysVanish(
    prefix: string,
    yielded: () => number,
    read: () => Promise<SessionWithId[]>,
  ): Promise<{ found: SessionWithId[]; vanishing: Vanishing }> {
    const vanishing: Vanishing = { gone: [], emptied: [], yieldedBefore: -1, read: undefined, pagesRead: 0 }
    const sidOf = (key: string) => key.slice(prefix.length)
    const watch = watchPageReads(handle.client, async (keys, index) => {
      if (index !== VANISHING_PAGE) return
      const [deleted, expiring, emptied] = keys
      vanishing.yieldedBefore = yielded()
      if (deleted) {
        await other.del(deleted)
        vanishing.gone.push(sidOf(deleted))
      }
      if (expiring) {
        await other.pExpire(expiring, 1)
        vanishing.gone.push(sidOf(expiring))
      }
      if (emptied) {
        await other.set(emptied, '', { KEEPTTL: true })
        vanishing.emptied.push(sidOf(emptied))
      }
      await sleep(5)
    })
    try {
      const found = await read()
      vanishing.read = watch.reads[VANISHING_PAGE]
      vanishing.pagesRead = watch.reads.length
      return { found, vanishing }
    } finally {
      watch.stop()
    }
  }

  function assertSkipped(found: SessionWithId[], sids: string[], vanishing: Vanishing, reported: unknown[]): void {
    const { gone, emptied, read } = vanishing
    assert.ok(gone.length >= 1, `page ${VANISHING_PAGE + 1} was read and its keys vanished`)
    assert.ok(vanishing.pagesRead > VANISHING_PAGE + 1, `pages came after (${vanishing.pagesRead} read)`)
    // The branch under test ran: SCAN had returned these keys, and the read found no value under them.
    assert.ok(read?.values, 'the read of that page was answered')
    for (const [i, key] of (read?.keys ?? []).entries()) {
      const sid = key.slice(key.lastIndexOf(':') + 1)
      if (gone.includes(sid)) assert.is(read?.values?.[i], null, `${sid} read as gone`)
      if (emptied.includes(sid)) assert.is(read?.values?.[i], '', `${sid} read as empty`)
    }
    const vanished = [...gone, ...emptied]
    const expected = sids.filter((sid) => !vanished.includes(sid)).sort()
    assert.equal([...new Set(found.map((session) => session.id))].sort(), expected)
    for (const session of found) assert.is(`s${(session as unknown as TestSession).i}`, session.id)
    // A key that is gone is no corrupt session: nothing reported, nothing failed.
    assert.equal(reported, [])
  }

  const sessionsOf = async (store: RedisSessionStore, onYield: () => void) => {
    const found: SessionWithId[] = []
    for await (const session of store.sessions()) {
      found.push(session)
      onYield()
    }
    return found
  }

  for (const policy of ['miss', 'fail'] as const) {
    test(`all(), onCorruptSession '${policy}'`, async () => {
      const { prefix, store, sids, reported } = await storeWith(policy)
      const { found, vanishing } = await whileKeysVanish(
        prefix,
        () => 0,
        () => store.all(),
      )
      assertSkipped(found, sids, vanishing, reported)
      assert.is(found.length, SESSIONS - vanishing.gone.length - vanishing.emptied.length)
    })

    test(`sessions(), while the loop is already being handed sessions, onCorruptSession '${policy}'`, async () => {
      const { prefix, store, sids, reported } = await storeWith(policy)
      let yielded = 0
      const { found, vanishing } = await whileKeysVanish(
        prefix,
        () => yielded,
        () => sessionsOf(store, () => yielded++),
      )
      assertSkipped(found, sids, vanishing, reported)
      assert.ok(vanishing.yieldedBefore > 0, 'the first page had been handed out')
    })
  }

  return test
}

const suites = [vanishingSuite('node-redis 6'), vanishingSuite('ioredis 6')]
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
