import { RedisStore as ConnectRedisStore } from 'connect-redis'
import type { createCluster } from 'redis'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, type ClientLibrary, connectCluster } from '../tests/helpers/clients.js'
import { startCluster } from '../tests/helpers/servers.js'
import { measure } from './memory.js'
import { sampleSession } from './operations.js'
import { alternate, medianOf, ratio, round } from './rounds.js'
import { settings } from './settings.js'

const PREFIX = 'cbulk:'
const OPERATIONS = ['all', 'ids', 'length', 'clear'] as const
type Operation = (typeof OPERATIONS)[number]

/** connect-redis runs on node-redis only, and its whole-store MGET / DEL needs node-redis 6 to split it by slot. */
export const CLUSTER_REFERENCE = 'connect-redis (node-redis 6)'
export const CLUSTER_OURS = 'redis-session-store (node-redis 6)'
/** This store on the other cluster clients, measured in the same rounds, beside its node-redis 6 figures. */
const OTHER_LIBRARIES: ClientLibrary[] = ['node-redis 5', 'ioredis 6', 'iovalkey']

export interface ClusterSample {
  ms: number
  peakMiB: number
  /** Why the operation failed, when it did (every round fails the same way). */
  error?: string
}

export interface ClusterResult {
  operation: Operation
  sessions: number
  contenders: Record<string, ClusterSample>
  /** Each contender's median time divided by connect-redis's on node-redis 6 (lower is better). */
  timeVsConnectRedis?: Record<string, number>
}

type Cluster = ReturnType<typeof createCluster>

/** The bulk methods on a cluster of 3 masters (and 3 replicas): this store on each cluster client, and connect-redis. */
export async function benchCluster(): Promise<ClusterResult[]> {
  const cluster = await startCluster()
  const handles: ClientHandle[] = []
  const connect = async (library: ClientLibrary) => {
    const handle = await connectCluster(library, cluster.rootNodes)
    handles.push(handle)
    return handle.client
  }
  try {
    const setup = (await connect('node-redis 6')) as Cluster
    const ours = createRedisStore({ client: await connect('node-redis 6'), prefix: PREFIX })
    const connectRedis = new ConnectRedisStore({ client: (await connect('node-redis 6')) as Cluster, prefix: PREFIX })
    const stores = [
      { name: CLUSTER_OURS, run: (operation: Operation) => ours[operation]() },
      { name: CLUSTER_REFERENCE, run: (operation: Operation) => connectRedis[operation]() },
    ]
    for (const library of OTHER_LIBRARIES) {
      const store = createRedisStore({ client: await connect(library), prefix: PREFIX })
      stores.push({ name: `redis-session-store (${library})`, run: (operation: Operation) => store[operation]() })
    }
    const size = settings.cluster.sessions
    const results: ClusterResult[] = []
    for (const operation of OPERATIONS) {
      await populate(setup, size)
      const samples = await alternate(
        stores.map(({ name, run }) => ({
          name,
          round: async (): Promise<ClusterSample> => {
            // clear() empties the store: every round starts from the same sessions.
            if (operation === 'clear') await populate(setup, size)
            try {
              const { ms, peakMiB } = await measure(() => run(operation))
              return { ms, peakMiB }
            } catch (error) {
              return { ms: Number.NaN, peakMiB: Number.NaN, error: (error as Error).message }
            }
          },
        })),
        settings.cluster.rounds,
      )
      const contenders = Object.fromEntries(
        [...samples].map(([name, values]) => {
          const error = values.find((sample) => sample.error)?.error
          const median = {
            ms: round(medianOf(values, (v) => v.ms)),
            peakMiB: round(medianOf(values, (v) => v.peakMiB)),
          }
          return [name, error ? { ...median, error } : median]
        }),
      )
      const reference = contenders[CLUSTER_REFERENCE]?.ms ?? 0
      const timeVsConnectRedis = Object.fromEntries(
        Object.entries(contenders).map(([name, sample]) => [name, ratio(sample.ms, reference)]),
      )
      console.log(`[bench] cluster ${operation} over ${size}:`, JSON.stringify(contenders))
      results.push({ operation, sessions: size, contenders, timeVsConnectRedis })
    }
    return results
  } finally {
    for (const handle of handles) await handle.close().catch(() => {})
    await cluster.stop()
  }
}

// Keys land in every slot, so they are written one by one (pipelined), never with a multi-key command.
async function populate(client: Cluster, size: number): Promise<void> {
  const text = JSON.stringify(sampleSession())
  for (let start = 0; start < size; start += 1_000) {
    const writes: Promise<unknown>[] = []
    for (let i = start; i < Math.min(size, start + 1_000); i++) writes.push(client.set(`${PREFIX}${i}`, text))
    await Promise.all(writes)
  }
}
