import { RedisStore as ConnectRedisStore } from 'connect-redis'
import { createCluster } from 'redis'
import { createRedisStore } from '../src/index.js'
import { startCluster } from '../tests/helpers/servers.js'
import { measure } from './memory.js'
import { sampleSession } from './operations.js'
import { alternate, medianOf, round } from './rounds.js'
import { settings } from './settings.js'

const PREFIX = 'cbulk:'
const OPERATIONS = ['all', 'ids', 'length', 'clear'] as const
type Operation = (typeof OPERATIONS)[number]

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
}

type Cluster = ReturnType<typeof createCluster>

/** The bulk methods on a cluster of 3 masters (and 3 replicas): this store and connect-redis. */
export async function benchCluster(): Promise<ClusterResult[]> {
  const cluster = await startCluster()
  const clients: Cluster[] = []
  const connect = async () => {
    const client = createCluster({ rootNodes: cluster.rootNodes.map((socket) => ({ socket })) }) as Cluster
    client.on('error', (error: Error) => console.error('[bench] redis cluster:', error.message))
    await client.connect()
    clients.push(client)
    return client
  }
  try {
    const setup = await connect()
    const ours = createRedisStore({ client: await connect(), prefix: PREFIX })
    const connectRedis = new ConnectRedisStore({ client: await connect(), prefix: PREFIX })
    const stores = [
      { name: 'redis-session-store', run: (operation: Operation) => ours[operation]() },
      { name: 'connect-redis', run: (operation: Operation) => connectRedis[operation]() },
    ]
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
        settings.bulk.rounds,
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
      console.log(`[bench] cluster ${operation} over ${size}:`, JSON.stringify(contenders))
      results.push({ operation, sessions: size, contenders })
    }
    return results
  } finally {
    for (const client of clients) await client.close().catch(() => {})
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
