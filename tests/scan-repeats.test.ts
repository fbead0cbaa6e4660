import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type SessionWithId } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { watchPageReads } from './helpers/page-reads.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const server = sharedServer(startRedis)

const SESSIONS = 30
const SCAN_COUNT = 5

type SendCommand = (args: string[], ...rest: unknown[]) => Promise<unknown>

/**
 * Makes the client's SCAN replies list again, on each later page, the keys of the first page: what SCAN may do
 * while Redis rehashes its keyspace. The commands still go to the real server; only the replies gain keys.
 */
function repeatFirstPage(client: unknown): { stop(): void } {
  const target = client as { sendCommand: SendCommand }
  const original = target.sendCommand
  const own = Object.hasOwn(target, 'sendCommand')
  let first: string[] | undefined
  target.sendCommand = async function repeating(this: unknown, args, ...rest) {
    const reply = await original.call(this, args, ...rest)
    if (args[0] !== 'SCAN') return reply
    const [cursor, keys] = reply as [string, string[]]
    if (first === undefined && keys.length > 0) {
      first = [...keys]
      return reply
    }
    return [cursor, [...keys, ...(first ?? [])]]
  }
  return {
    stop() {
      if (own) target.sendCommand = original
      else delete (target as Partial<typeof target>).sendCommand
    },
  }
}

const test = suite('all() while SCAN lists keys twice (node-redis 6)')
let handle: ClientHandle
redisFor(test, { library: 'node-redis 6', server }, (started) => {
  handle = started.handle
})

test('all() hands out each session once, and reads each key once', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('repeats'), scanCount: SCAN_COUNT })
  const sids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`)
  for (const [i, sid] of sids.entries()) await store.set(sid, sessionFor({ i }))
  const repeats = repeatFirstPage(handle.client)
  const reads = watchPageReads(handle.client)
  let found: SessionWithId[]
  try {
    found = await store.all()
  } finally {
    reads.stop()
    repeats.stop()
  }
  assert.equal(found.map((session) => session.id).sort(), [...sids].sort())
  const keysRead = reads.reads.flatMap((read) => read.keys)
  assert.ok(reads.reads.length > 1, `more than one page was read (${reads.reads.length})`)
  assert.is(new Set(keysRead).size, keysRead.length, 'no key was read twice')
})

test('sessions() may hand out a session again, as SCAN listed it', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('repeats'), scanCount: SCAN_COUNT })
  const sids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`)
  for (const [i, sid] of sids.entries()) await store.set(sid, sessionFor({ i }))
  const repeats = repeatFirstPage(handle.client)
  const found: string[] = []
  try {
    for await (const session of store.sessions()) found.push(session.id)
  } finally {
    repeats.stop()
  }
  assert.equal([...new Set(found)].sort(), [...sids].sort())
  assert.ok(found.length > SESSIONS, `the repeated keys came again (${found.length} for ${SESSIONS})`)
})

test.after(server.stop)
test.run()
