import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import calculateSlot from 'cluster-key-slot'
import { DisconnectsClientError, SocketClosedUnexpectedlyError } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, keyFor, type RedisSessionStore, type SessionRecord } from '../src/index.js'
import { CLIENT_LIBRARIES, type ClientHandle, clusterClientName, connectCluster } from './helpers/clients.js'
import { type ServerInspector, standaloneInspector } from './helpers/inspector.js'
import { waitFor } from './helpers/poll.js'
import { CLUSTER_NODE_TIMEOUT_MS, type RunningCluster, startCluster } from './helpers/servers.js'
import type { TestSession } from './helpers/sessions.js'
import { codeOf, sessionFor, uniquePrefix } from './helpers/sessions.js'

// node-redis 4 and 5 refresh their slot map only on a MOVED or ASK reply. A dead master answers
// nothing, so they keep its slots' commands queued (or, with a reconnect strategy that gives up,
// failing with "The client is closed") for good; node-redis 6 refreshes on reconnection attempts.
// The store cannot re-route for a client, so these two are left out, and the README says so.
const NEVER_REROUTE = new Map([
  ['node-redis 5 createCluster', 'refreshes its slot map only on MOVED/ASK, which a dead master never sends'],
  ['node-redis 4 createCluster', 'refreshes its slot map only on MOVED/ASK, which a dead master never sends'],
])
const rerouting = CLIENT_LIBRARIES.map((library) => [clusterClientName(library), library] as const).filter(
  ([name]) => !NEVER_REROUTE.has(name),
)
for (const [name, why] of NEVER_REROUTE) console.log(`[cluster failover] skipping ${name}: it ${why}`)

/** The stores' `timeout`: every call must settle within it, plus SLACK_MS for the deadline's 10 ms tick on a busy loop. */
const TIMEOUT_MS = 1000
const SLACK_MS = 150
/** Sessions each client writes before the master is killed, each in a slot of its own among the master's. */
const SESSIONS = 40
/** The pause between two writes of the traffic that goes on while the master dies, as it would in an app. */
const PAUSE_MS = 20
/** Writes each client makes after it has re-routed, before its traffic stops and is checked. */
const WRITES_AFTER_REROUTE = 20
/** The store's codes for a call that fails while a master is down (README, "What happens when Redis is down"). */
const OUTAGE_CODES = ['ERR_STORE_TIMEOUT', 'ERR_STORE_NOT_CONNECTED']
/**
 * The clients' own errors the store passes on. node-redis 6 rejects a command in flight when the killed
 * node's socket closes (or is reset, when the command was still unread in it), and the commands queued
 * for the dead node when it re-routes; ioredis gives a command up after `maxRedirections` tries against
 * a node that is gone or a cluster that is down.
 */
const CLIENT_FAILURES = {
  'node-redis': ['node-redis SocketClosedUnexpectedlyError', 'ECONNRESET', 'node-redis DisconnectsClientError'],
  ioredis: ['ioredis "Too many Cluster redirections"'],
}
const allowedFailures = (name: string) => [
  ...OUTAGE_CODES,
  ...(name.startsWith('node-redis') ? CLIENT_FAILURES['node-redis'] : CLIENT_FAILURES.ioredis),
]

/** A failure as the checks name it: the store's code, a client's error, else its class (never its message, which may name a key). */
function failureOf(error: unknown): string {
  const code = codeOf(error)
  if (code) return code
  if (error instanceof SocketClosedUnexpectedlyError) return 'node-redis SocketClosedUnexpectedlyError'
  if (error instanceof DisconnectsClientError) return 'node-redis DisconnectsClientError'
  if (error instanceof Error && error.message.startsWith('Too many Cluster redirections. Last error: '))
    return 'ioredis "Too many Cluster redirections"'
  return error instanceof Error ? error.constructor.name : `a thrown ${typeof error}`
}
/** How long the event loop stalled at worst, for the report: a call cannot settle while it does. */
const loopDelay = monitorEventLoopDelay()

type SlotRanges = Array<[number, number]>

/** One store call of the traffic: when it started, how long it took to settle (NaN while it has not), how it failed. */
interface Call {
  operation: 'set' | 'get'
  startedAt: number
  ms: number
  error?: unknown
}

/** One write of the traffic, of a session of its own; `readBack` once a get after it answered (true: the same session). */
interface Write {
  sid: string
  session: SessionRecord
  startedAt: number
  ok: boolean
  readBack?: boolean
}

interface Contender {
  name: string
  handle: ClientHandle
  store: RedisSessionStore
  prefix: string
  /** Sessions written and acknowledged before the kill. */
  sids: string[]
  /** Their raw values as the killed master and its replica held them just before the kill (an error's first word if one failed). */
  onMaster: Array<string | null>
  onReplica: Array<string | null>
  calls: Call[]
  writes: Write[]
  stopped: boolean
  traffic: Promise<void>
}

/** The master that is killed, and its replica, as the cluster saw them before the kill. */
interface Victim {
  slots: SlotRanges
  replicaPort: number
  /** How many replicas acknowledged every write made on it before the kill (WAIT). */
  acknowledged: number
}

// One cluster, every cluster client connected at once, one master killed: each client must find its way back.
let cluster: RunningCluster | undefined
let victim: Victim | undefined
let killedAt = Number.NaN
let promotedAt = Number.NaN
const contenders: Contender[] = []

const test = suite('cluster failover')

test.before(async () => {
  cluster = await startCluster()
  const nodes = await cluster.topology()
  const master = nodes.find((node) => node.role === 'master' && node.slots.length > 0)
  const replica = nodes.find((node) => master !== undefined && node.replicaOf === master.id)
  if (!master || !replica) throw new Error('the cluster has no master with a replica')
  const slots = master.slots
  for (const [name, library] of rerouting) {
    const handle = await connectCluster(library, cluster.rootNodes)
    const prefix = uniquePrefix('failover')
    const store = createRedisStore({ client: handle.client, prefix, timeout: TIMEOUT_MS })
    const sids = take(SESSIONS, sidsOn(prefix, 'before', slots))
    await Promise.all(sids.map((sid) => store.set(sid, sessionFor({ sid }))))
    const traffic = Promise.resolve()
    contenders.push({
      name,
      handle,
      store,
      prefix,
      sids,
      onMaster: [],
      onReplica: [],
      calls: [],
      writes: [],
      stopped: false,
      traffic,
    })
  }
  victim = {
    slots,
    replicaPort: replica.port,
    acknowledged: await replicasAcknowledging(master.port, slots),
  }
  await readCopies(master.port, replica.port)
  loopDelay.enable()
  for (const contender of contenders) contender.traffic = keepWriting(contender, slots)
  await waitFor('every client to be writing before the kill', () =>
    contenders.every(({ writes }) => writes.filter(({ ok }) => ok).length >= 5),
  )
  ;({ killedAt } = await cluster.failOver(processOn(master.port)))
  promotedAt = performance.now()
})

test.after(async () => {
  await Promise.all(contenders.map(stopTraffic))
  await Promise.all(contenders.map(({ handle }) => handle.close()))
  await cluster?.stop()
})

function processOn(port: number | undefined) {
  const found = cluster?.processes.find((node) => node.port === port)
  if (!found) throw new Error(`no cluster node on port ${port}`)
  return found
}

function theVictim(): Victim {
  if (!victim) throw new Error('no master was killed')
  return victim
}

function* sidsOn(prefix: string, label: string, slots: SlotRanges): Generator<string, never> {
  const slotCount = slots.reduce((count, [first, last]) => count + last - first + 1, 0)
  const used = new Set<number>()
  for (let i = 0; ; i++) {
    const sid = `${label}${i}`
    const slot = calculateSlot(keyFor(prefix)(sid))
    if (!inRanges(slot, slots) || used.has(slot)) continue
    used.add(slot)
    // Once every slot has had a session, they take turns again.
    if (used.size === slotCount) used.clear()
    yield sid
  }
}

const inRanges = (slot: number, ranges: SlotRanges) => ranges.some(([first, last]) => first <= slot && slot <= last)

function take<T>(count: number, values: Iterator<T>): T[] {
  return Array.from({ length: count }, () => values.next().value as T)
}

/**
 * WAIT only vouches for the writes of the connection that sends it. Replication keeps order, so a
 * write of our own on the master, acknowledged by its replica, proves every earlier write reached it.
 */
async function replicasAcknowledging(port: number, slots: SlotRanges): Promise<number> {
  const direct = await standaloneInspector({ host: '127.0.0.1', port })
  try {
    await direct.set(take(1, sidsOn('', 'marker', slots))[0] ?? '', 'written before the failover')
    return Number(await direct.send(['WAIT', '1', '10000']))
  } finally {
    await direct.close()
  }
}

/** What the master and its replica (READONLY) hold, each by itself, under the keys of the sessions written before the kill. */
async function readCopies(masterPort: number, replicaPort: number) {
  const onMaster = await standaloneInspector({ host: '127.0.0.1', port: masterPort })
  const onReplica = await standaloneInspector({ host: '127.0.0.1', port: replicaPort }, { readOnly: true })
  try {
    for (const contender of contenders) {
      const keys = contender.sids.map(keyFor(contender.prefix))
      contender.onMaster = await Promise.all(keys.map((key) => rawValue(onMaster, key)))
      contender.onReplica = await Promise.all(keys.map((key) => rawValue(onReplica, key)))
    }
  } finally {
    await Promise.all([onMaster.close(), onReplica.close()])
  }
}

const rawValue = (inspector: ServerInspector, key: string) =>
  inspector.get(key).catch((error: Error) => `error ${error.message.split(' ')[0]}`)

/** Runs one store call of the traffic, noting when it started, how long it took and how it failed. */
async function timed<T>(calls: Call[], operation: Call['operation'], run: () => Promise<T>): Promise<T> {
  const call: Call = { operation, startedAt: performance.now(), ms: Number.NaN }
  calls.push(call)
  try {
    return await run()
  } catch (error) {
    call.error = error
    throw error
  } finally {
    call.ms = performance.now() - call.startedAt
  }
}

/** Writes a new session on the killed master's slots, then reads it back, until stopped. */
async function keepWriting(contender: Contender, slots: SlotRanges) {
  const sids = sidsOn(contender.prefix, 'live', slots)
  for (let n = 0; !contender.stopped; n++) {
    const write: Write = {
      sid: sids.next().value,
      session: sessionFor({ live: n }),
      startedAt: performance.now(),
      ok: false,
    }
    contender.writes.push(write)
    try {
      await timed(contender.calls, 'set', () => contender.store.set(write.sid, write.session as TestSession))
      write.ok = true
      write.readBack = sameSession(
        await timed(contender.calls, 'get', () => contender.store.get(write.sid)),
        write.session,
      )
    } catch {
      // How the call failed is in contender.calls; the checks judge it.
    }
    await sleep(PAUSE_MS)
  }
}

const sameSession = (read: unknown, written: SessionRecord) => JSON.stringify(read) === JSON.stringify(written)

/** Stops the traffic; a call that hangs does not hold this up (its NaN duration fails the settling check). */
async function stopTraffic(contender: Contender) {
  contender.stopped = true
  await Promise.race([contender.traffic, sleep(TIMEOUT_MS + SLACK_MS + PAUSE_MS)])
}

/** The first write after the promotion that succeeded and read back: from then on the client has re-routed. */
const reRoutedAt = ({ writes }: Contender) =>
  writes.find((write) => write.startedAt >= promotedAt && write.ok && write.readBack === true)?.startedAt ?? Number.NaN

/**
 * The client's traffic, once every client's has stopped: each stops once its client has re-routed and
 * made WRITES_AFTER_REROUTE writes since (or has failed to within 30 s), and none runs while another is checked.
 */
let reRoutes: Promise<PromiseSettledResult<void>[]> | undefined
async function trafficOf(name: string): Promise<Contender> {
  reRoutes ??= (async () => {
    const settled = await Promise.allSettled(
      contenders.map((contender) =>
        waitFor(
          'the client to re-route to the promoted replica',
          () =>
            contender.writes.filter(({ startedAt }) => startedAt > reRoutedAt(contender)).length >=
            WRITES_AFTER_REROUTE,
          { timeoutMs: 30_000 },
        ),
      ),
    )
    await Promise.all(contenders.map(stopTraffic))
    return settled
  })()
  const settled = await reRoutes
  const index = contenders.findIndex((contender) => contender.name === name)
  const [contender, reRoute] = [contenders[index], settled[index]]
  if (!contender) throw new Error(`${name} did not connect`)
  if (reRoute?.status === 'rejected') throw reRoute.reason
  return contender
}

const ms = (value: number) => `${Math.round(value)} ms`

for (const [name] of rerouting) {
  test(`${name} writes during the failover on the killed master's slots, several of them`, async () => {
    const { prefix, sids, writes } = await trafficOf(name)
    const { slots, replicaPort } = theVictim()
    const direct = await standaloneInspector(processOn(replicaPort))
    try {
      const keys = [...sids, ...writes.map(({ sid }) => sid)].map(keyFor(prefix))
      const slotOf = await Promise.all(keys.map(async (key) => Number(await direct.send(['CLUSTER', 'KEYSLOT', key]))))
      const elsewhere = slotOf.filter((slot) => !inRanges(slot, slots)).length
      assert.is(
        elsewhere,
        0,
        `${elsewhere} of ${keys.length} keys hash (CLUSTER KEYSLOT) outside the killed master's slots`,
      )
      const beforeSlots = new Set(slotOf.slice(0, sids.length)).size
      const trafficSlots = new Set(slotOf.slice(sids.length)).size
      assert.ok(beforeSlots >= 10, `the sessions written before the kill cover ${beforeSlots} slots`)
      assert.ok(trafficSlots >= 10, `the writes during the failover cover ${trafficSlots} slots`)
    } finally {
      await direct.close()
    }
  })

  test(`${name} had every session written before the kill on the replica, as the master held it`, async () => {
    const { onMaster, onReplica, sids } = await trafficOf(name)
    assert.is(theVictim().acknowledged, 1, 'the replica acknowledged (WAIT) every write before its master was killed')
    const unwritten = onMaster.filter((value) => value === null || value.startsWith('error ')).length
    assert.is(unwritten, 0, `${unwritten} sessions missing on the master itself`)
    const differing = onReplica.filter((value, i) => value !== onMaster[i]).length
    assert.is(differing, 0, `${differing} of ${sids.length} sessions differ or are missing on the replica (READONLY)`)
  })

  test(`${name} settles every call within its timeout while a master fails over, and fails none with an unexpected error`, async () => {
    const contender = await trafficOf(name)
    const { calls } = contender
    const unsettled = calls.filter((call) => Number.isNaN(call.ms)).length
    assert.is(unsettled, 0, `${unsettled} calls never settled`)
    const reRouted = reRoutedAt(contender)
    const during = calls.filter(({ startedAt }) => killedAt - TIMEOUT_MS <= startedAt && startedAt < reRouted)
    const longest = (some: Call[]) => ms(Math.max(...some.map((call) => call.ms)))
    const failures = new Map<string, number>()
    for (const { error } of calls.filter((call) => 'error' in call))
      failures.set(failureOf(error), (failures.get(failureOf(error)) ?? 0) + 1)
    console.log(
      `[cluster failover] ${name}: ${calls.length} calls, longest ${longest(calls)}; ${during.length} from the kill to the re-route, longest ${longest(during)}; failures ${JSON.stringify(Object.fromEntries(failures))}; event loop stalled up to ${ms(loopDelay.max / 1e6)}`,
    )
    const late = calls.filter((call) => call.ms > TIMEOUT_MS + SLACK_MS).length
    assert.is(late, 0, `${late} calls took longer than ${TIMEOUT_MS} + ${SLACK_MS} ms (longest ${longest(calls)})`)
    const allowed = allowedFailures(name)
    const strays = [...failures.keys()].filter((failure) => !allowed.includes(failure))
    assert.equal(strays, [], `calls failed otherwise than with ${allowed.join(', ')}`)
  })

  test(`${name} fails the writes made while its master is surely down, none before the kill or after the re-route, and reads back every write since`, async () => {
    const contender = await trafficOf(name)
    const { writes } = contender
    const reRouted = reRoutedAt(contender)
    const failedWrites = writes.filter(({ ok }) => !ok)
    const byPhase = (from: number, to: number) => writes.filter(({ startedAt }) => from <= startedAt && startedAt < to)
    // Nobody serves the killed master's slots until a replica has missed its answers for the node timeout:
    // a write started after the kill that must settle before then cannot have succeeded.
    const certain = byPhase(killedAt, killedAt + CLUSTER_NODE_TIMEOUT_MS - TIMEOUT_MS - SLACK_MS)
    console.log(
      `[cluster failover] ${name}: ${writes.length} writes, ${failedWrites.length} failed; promoted ${ms(promotedAt - killedAt)} and re-routed ${ms(reRouted - killedAt)} after the kill`,
    )
    assert.ok(certain.length > 0, 'the traffic wrote while the master was surely down')
    assert.ok(
      certain.every(({ ok }) => !ok),
      `${certain.filter(({ ok }) => ok).length} of ${certain.length} writes succeeded while no node served their slots`,
    )
    // A write that started earlier than one timeout (and the slack) before the kill settled (see above) while the master was up.
    const outage = byPhase(killedAt - TIMEOUT_MS - SLACK_MS, reRouted)
    const outside = failedWrites.filter((write) => !outage.includes(write)).length
    assert.is(
      outside,
      0,
      `${outside} of ${failedWrites.length} failed writes started before the kill or after the re-route`,
    )
    const afterReRoute = byPhase(reRouted, Number.POSITIVE_INFINITY)
    assert.ok(afterReRoute.length >= WRITES_AFTER_REROUTE, `${afterReRoute.length} writes after the client re-routed`)
    const unread = afterReRoute.filter(({ readBack }) => readBack !== true).length
    assert.is(unread, 0, `${unread} of ${afterReRoute.length} writes after the re-route did not read back`)
  })

  test(`${name} serves get and set again after a master fails over, and loses no replicated session`, async () => {
    const { store, sids, prefix, writes } = await trafficOf(name)
    const topology = await cluster?.topology()
    const promoted = topology?.find((node) => node.port === theVictim().replicaPort)
    assert.is(promoted?.role, 'master', 'the replica has been promoted')
    for (const [i, sid] of sids.entries())
      assert.equal(await store.get(sid), sessionFor({ sid }), `session ${i} written before the kill`)
    const acknowledged = writes.filter(({ startedAt, ok }) => ok && startedAt >= killedAt)
    assert.ok(acknowledged.length >= WRITES_AFTER_REROUTE, 'the writes made after the kill left sessions')
    for (const { sid, session } of acknowledged)
      assert.equal(await store.get(sid), session, 'a session acknowledged after the kill reads back')
    const direct = await standaloneInspector(processOn(promoted?.port))
    try {
      const keys = [...sids, ...acknowledged.map(({ sid }) => sid)].map(keyFor(prefix))
      const held = await Promise.all(keys.map((key) => direct.exists(key).catch(() => false)))
      assert.is(held.filter((has) => !has).length, 0, 'the promoted replica itself holds every one of them')
    } finally {
      await direct.close()
    }
    const ids = new Set(await store.ids())
    assert.ok(
      [...sids, ...acknowledged.map(({ sid }) => sid)].every((sid) => ids.has(sid)),
      'ids() lists every session',
    )
  })
}

test.run()
