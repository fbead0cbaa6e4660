/** BENCH_QUICK=1: small sizes and few rounds, for developing the benchmark itself. */
export const quick = process.env.BENCH_QUICK === '1'

// BENCH_CLUSTER_SESSIONS=5000: another size for the cluster scenario, while developing it.
const clusterSessions = (fallback: number) => Number(process.env.BENCH_CLUSTER_SESSIONS) || fallback

export const settings = quick
  ? {
      rounds: 2,
      operations: { count: { 1: 1_000, 64: 5_000 } as Record<number, number> },
      express: { seconds: 1, connections: 16, sessions: 50, rounds: 2 },
      bulk: { sizes: [1_000, 5_000], clearSizes: [1_000, 5_000, 10_000], rounds: 2 },
      cluster: { sessions: clusterSessions(1_000), rounds: 2 },
      userIndex: { sessions: 3_000, rounds: 1 },
    }
  : {
      rounds: 10,
      operations: { count: { 1: 5_000, 64: 30_000 } as Record<number, number> },
      express: { seconds: 2, connections: 16, sessions: 200, rounds: 6 },
      bulk: { sizes: [10_000, 100_000], clearSizes: [10_000, 100_000, 200_000], rounds: 3 },
      cluster: { sessions: clusterSessions(20_000), rounds: 4 },
      userIndex: { sessions: 30_000, rounds: 3 },
    }

export const CONCURRENCIES = [1, 64] as const
