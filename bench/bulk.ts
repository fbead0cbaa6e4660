import { RedisStore as ConnectRedisStore } from 'connect-redis'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type Address, connect, type NodeRedis } from './clients.js'
import { measure } from './memory.js'
import { sampleSession } from './operations.js'
import { type Probe, startProbe } from './probe-process.js'
import { alternate, type Contender, medianOf, ratio, round } from './rounds.js'
import { settings } from './settings.js'

const PREFIX = 'bulk:'

export interface BulkSample {
  ms: number
  peakMiB: number
  peakLiveMiB: number
  /** clear only: the slowest GET the probe client saw while clear ran. */
  worstGetMs?: number
}

export interface BulkResult {
  operation: string
  sessions: number
  /** Medians by contender. */
  contenders: Record<string, BulkSample>
  /** This store's median time and peak memory divided by connect-redis's (lower is better). */
  timeVsConnectRedis: number
  memoryVsConnectRedis: number
  liveMemoryVsConnectRedis: number
}

type BulkOperation = 'all' | 'ids' | 'length' | 'clear'

interface BulkStore {
  name: string
  run(operation: BulkOperation): Promise<unknown>
}

/** all, ids, length and clear at each size; sessions() (this store only); clear with a probe client's worst GET. */
export async function benchBulk(server: Address): Promise<BulkResult[]> {
  const setup = await connect(server)
  const ours = createRedisStore({ client: await connect(server), prefix: PREFIX })
  const connectRedis = new ConnectRedisStore({ client: await connect(server), prefix: PREFIX })
  const stores: BulkStore[] = [
    { name: 'redis-session-store', run: (operation) => ours[operation]() },
    { name: 'connect-redis', run: (operation) => connectRedis[operation]() },
  ]
  const results: BulkResult[] = []
  for (const size of settings.bulk.sizes) {
    await setup.flushAll()
    await populate(setup, size)
    for (const operation of ['all', 'ids', 'length'] as const) {
      results.push(
        await compare(
          operation,
          size,
          stores.map((store) => readRound(store, operation)),
        ),
      )
    }
    results.push(await iterate(ours, size))
  }
  // The probe's GET loop would disturb every other measurement, so it runs only around clear().
  const probe = await startProbe(server)
  try {
    for (const size of settings.bulk.clearSizes) {
      await setup.flushAll()
      results.push(
        await compare(
          'clear',
          size,
          stores.map((store) => clearRound(store, setup, size, probe)),
        ),
      )
    }
  } finally {
    await probe.stop()
  }
  await setup.flushAll()
  return results
}

const readRound = (store: BulkStore, operation: BulkOperation): Contender<BulkSample> => ({
  name: store.name,
  round: async () => {
    const { ms, peakMiB, peakLiveMiB } = await measure(() => store.run(operation))
    return { ms, peakMiB, peakLiveMiB }
  },
})

const clearRound = (store: BulkStore, setup: NodeRedis, size: number, probe: Probe): Contender<BulkSample> => ({
  name: store.name,
  round: async () => {
    await populate(setup, size)
    await probe.reset()
    const { ms, peakMiB, peakLiveMiB } = await measure(() => store.run('clear'))
    const { worstMs } = await probe.report()
    const left = await setup.dbSize()
    if (left > 1) console.warn(`[bench] ${store.name} clear left ${left} keys`)
    return { ms, peakMiB, peakLiveMiB, worstGetMs: worstMs }
  },
})

async function compare(operation: BulkOperation, size: number, contenders: Contender<BulkSample>[]) {
  const samples = await alternate(contenders, settings.bulk.rounds)
  const medians = Object.fromEntries(
    [...samples].map(([name, values]) => [
      name,
      {
        ms: round(medianOf(values, (v) => v.ms)),
        peakMiB: round(medianOf(values, (v) => v.peakMiB)),
        peakLiveMiB: round(medianOf(values, (v) => v.peakLiveMiB)),
        ...(operation === 'clear'
          ? {
              worstGetMs: round(
                medianOf(values, (v) => v.worstGetMs ?? 0),
                2,
              ),
            }
          : {}),
      },
    ]),
  )
  const ours = medians['redis-session-store']
  const theirs = medians['connect-redis']
  const result: BulkResult = {
    operation,
    sessions: size,
    contenders: medians,
    timeVsConnectRedis: ratio(ours?.ms ?? Number.NaN, theirs?.ms ?? 0),
    memoryVsConnectRedis: ratio(ours?.peakMiB ?? Number.NaN, theirs?.peakMiB ?? 0),
    liveMemoryVsConnectRedis: ratio(ours?.peakLiveMiB ?? Number.NaN, theirs?.peakLiveMiB ?? 0),
  }
  console.log(`[bench] ${operation} over ${size}:`, JSON.stringify(medians))
  return result
}

/** Walks every session with store.sessions(), keeping none of them. */
async function iterate(store: RedisSessionStore, size: number): Promise<BulkResult> {
  const samples = await alternate(
    [
      {
        name: 'redis-session-store',
        round: async () => {
          const { ms, peakMiB, peakLiveMiB, value } = await measure(async () => {
            let count = 0
            for await (const _ of store.sessions()) count++
            return count
          })
          if (value !== size) console.warn(`[bench] sessions() saw ${value} of ${size} sessions`)
          return { ms, peakMiB, peakLiveMiB }
        },
      },
    ],
    settings.bulk.rounds,
  )
  const values = samples.get('redis-session-store') ?? []
  const medians = {
    ms: round(medianOf(values, (v) => v.ms)),
    peakMiB: round(medianOf(values, (v) => v.peakMiB)),
    peakLiveMiB: round(medianOf(values, (v) => v.peakLiveMiB)),
  }
  console.log(`[bench] sessions() over ${size}:`, JSON.stringify(medians))
  return {
    operation: 'sessions() iterator',
    sessions: size,
    contenders: { 'redis-session-store': medians },
    timeVsConnectRedis: Number.NaN,
    memoryVsConnectRedis: Number.NaN,
    liveMemoryVsConnectRedis: Number.NaN,
  }
}

async function populate(client: NodeRedis, size: number): Promise<void> {
  const text = JSON.stringify(sampleSession())
  for (let start = 0; start < size; start += 1_000) {
    const entries: Array<[string, string]> = []
    for (let i = start; i < Math.min(size, start + 1_000); i++) entries.push([`${PREFIX}${i}`, text])
    await client.mSet(entries)
  }
}
