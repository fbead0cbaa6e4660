import type { SessionData } from 'express-session'
import {
  type Address,
  callsOn,
  connect,
  connectRedisStore,
  type NodeRedis,
  ourStore,
  rawCalls,
  type SessionCalls,
} from './clients.js'
import { alternate, type Contender, medianRates, ratio } from './rounds.js'
import { CONCURRENCIES, settings } from './settings.js'

export const OPERATIONS = ['get', 'set', 'touch', 'destroy'] as const
type Operation = (typeof OPERATIONS)[number]

export interface OperationsResult {
  operation: Operation
  concurrency: number
  /** Median operations per second, by contender. */
  opsPerSecond: Record<string, number>
  /** This store's median divided by each other contender's. */
  ratioVsConnectRedis: number
  ratioVsRaw: number
}

/** A session as express-session hands it to the store: a cookie that expires in a day, and a little data. */
export function sampleSession(): SessionData {
  return {
    cookie: {
      originalMaxAge: 86_400_000,
      expires: new Date(Date.now() + 86_400_000),
      httpOnly: true,
      path: '/',
      secure: false,
    },
    user: { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'] },
    cart: [{ sku: 'A-1', quantity: 2 }],
  } as unknown as SessionData
}

const ttlOfCookie = (session: SessionData) =>
  Math.ceil(((session.cookie.expires?.getTime() ?? Date.now() + 86_400_000) - Date.now()) / 1000)

/** get, set, touch and destroy at concurrency 1 and 64: this store, connect-redis, and raw node-redis. */
export async function benchOperations(server: Address): Promise<OperationsResult[]> {
  const setup = await connect(server)
  const contenders: Array<{ name: string; prefix: string; calls: SessionCalls }> = [
    {
      name: 'redis-session-store',
      prefix: 'ops:ours:',
      calls: callsOn(ourStore(await connect(server), { prefix: 'ops:ours:' })),
    },
    { name: 'connect-redis', prefix: 'ops:cr:', calls: callsOn(connectRedisStore(await connect(server), 'ops:cr:')) },
    { name: 'raw node-redis', prefix: 'ops:raw:', calls: rawCalls(await connect(server), 'ops:raw:', ttlOfCookie) },
  ]
  const results: OperationsResult[] = []
  for (const concurrency of CONCURRENCIES) {
    const count = settings.operations.count[concurrency] ?? 1_000
    for (const operation of OPERATIONS) {
      const rounds: Contender<number>[] = contenders.map(({ name, prefix, calls }) => ({
        name,
        round: async () => {
          // Sessions to read, touch or destroy exist before the clock starts.
          if (operation !== 'set') await populate(setup, prefix, count)
          return timed(count, concurrency, (i) => perform(calls, operation, `s${i}`))
        },
      }))
      const samples = await alternate(rounds, settings.rounds)
      const opsPerSecond = medianRates(samples)
      const ours = opsPerSecond['redis-session-store'] ?? 0
      const result = {
        operation,
        concurrency,
        opsPerSecond,
        ratioVsConnectRedis: ratio(ours, opsPerSecond['connect-redis'] ?? 0),
        ratioVsRaw: ratio(ours, opsPerSecond['raw node-redis'] ?? 0),
      }
      console.log(
        `[bench] ${operation} x${concurrency}:`,
        JSON.stringify(result.opsPerSecond),
        `vs connect-redis ${result.ratioVsConnectRedis}, vs raw ${result.ratioVsRaw}`,
      )
      results.push(result)
    }
  }
  await setup.flushAll()
  return results
}

export interface VariantsResult {
  /** Median calls per second at concurrency 64, by variant. */
  opsPerSecond: Record<string, number>
  /** The second variant's median divided by the first's. */
  ratio: number
}

/** The same calls at concurrency 64 through two variants of this store, in alternating rounds. */
async function compareVariants(
  label: string,
  server: Address,
  variants: ReadonlyArray<{ name: string; calls: SessionCalls }>,
  work: (calls: SessionCalls, sid: string) => Promise<unknown>,
): Promise<VariantsResult> {
  const setup = await connect(server)
  const count = settings.operations.count[64] ?? 1_000
  const samples = await alternate(
    variants.map(({ name, calls }) => ({
      name,
      round: async () => {
        await populate(setup, 'variants:', count)
        return timed(count, 64, (i) => work(calls, `s${i}`))
      },
    })),
    settings.rounds,
  )
  const opsPerSecond = medianRates(samples)
  const [first, second] = variants.map(({ name }) => opsPerSecond[name] ?? 0)
  const result = { opsPerSecond, ratio: ratio(second ?? 0, first ?? 0) }
  console.log(`[bench] ${label}:`, JSON.stringify(result))
  await setup.flushAll()
  return result
}

/** get at concurrency 64 through this store, by node-redis client setting. */
export type CommandTimeoutResult = VariantsResult

/**
 * What node-redis 6's default per-command timeout costs: this store's get at concurrency 64 with it
 * and without it. Measured apart from the comparison, whose clients all have it off.
 */
export async function benchCommandTimeout(server: Address): Promise<CommandTimeoutResult> {
  const variants = [
    { name: 'node-redis default (5 s timeout per command)', client: await connect(server, { commandTimeout: true }) },
    { name: 'commandOptions.timeout 0', client: await connect(server) },
  ]
  return compareVariants(
    'node-redis command timeout',
    server,
    variants.map(({ name, client }) => ({ name, calls: callsOn(ourStore(client, { prefix: 'variants:' })) })),
    (calls, sid) => calls.get(sid),
  )
}

/** What the store's own deadline costs: touch at concurrency 64 with the default timeout and with none. */
export async function benchDeadline(server: Address): Promise<VariantsResult> {
  const session = sampleSession()
  const variants = [
    { name: 'timeout 0 (no deadline)', options: { timeout: 0 } },
    { name: 'timeout 2000 (the default)', options: {} },
  ]
  const contenders = []
  for (const { name, options } of variants) {
    contenders.push({ name, calls: callsOn(ourStore(await connect(server), { prefix: 'variants:', ...options })) })
  }
  return compareVariants('deadline', server, contenders, (calls, sid) => calls.touch(sid, session))
}

const session = sampleSession()

function perform(calls: SessionCalls, operation: Operation, sid: string): Promise<unknown> {
  switch (operation) {
    case 'get':
      return calls.get(sid)
    case 'set':
      return calls.set(sid, session)
    case 'touch':
      return calls.touch(sid, session)
    case 'destroy':
      return calls.destroy(sid)
  }
}

/** `count` sessions stored as `text` (the sample session's JSON unless given), before a round's clock starts. */
export async function populate(client: NodeRedis, prefix: string, count: number, text = JSON.stringify(session)) {
  const batch: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    batch.push(client.set(`${prefix}s${i}`, text, { EX: 86_400 }))
    if (batch.length === 1_000) await Promise.all(batch.splice(0))
  }
  await Promise.all(batch)
}

/** Operations per second for `count` calls of `work(i)`, `concurrency` of them in flight at a time. */
export async function timed(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0
  const worker = async () => {
    while (next < count) await work(next++)
  }
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return count / seconds
}
