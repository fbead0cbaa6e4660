import { GlideClient, Logger } from '@valkey/valkey-glide'
import type { SessionData } from 'express-session'
import { createRedisStore } from '../src/index.js'
import { type Address, callsOn, connect, type SessionCalls } from './clients.js'
import { populate, sampleSession, timed } from './operations.js'
import { alternate, type Contender, medianRates, ratio } from './rounds.js'
import { CONCURRENCIES, settings } from './settings.js'

const OPERATIONS = ['get', 'set'] as const

export interface GlideResult {
  operation: (typeof OPERATIONS)[number]
  concurrency: number
  /** Median operations per second, by contender. */
  opsPerSecond: Record<string, number>
  /** This store on a GlideClient divided by the same commands sent straight through it. */
  ratioVsRaw: number
}

const STORE = 'redis-session-store on GLIDE'
const RAW = 'raw GLIDE'

const ttlOfCookie = (session: SessionData) =>
  Math.ceil(((session.cookie.expires?.getTime() ?? Date.now() + 86_400_000) - Date.now()) / 1000)

/** The limit: GET and SET EX straight through a GlideClient, with the same JSON work. */
function rawGlideCalls(client: GlideClient, prefix: string): Pick<SessionCalls, 'get' | 'set'> {
  return {
    get: async (sid) => {
      const text = await client.get(prefix + sid)
      return text ? JSON.parse(String(text)) : null
    },
    set: async (sid, session) =>
      void (await client.set(prefix + sid, JSON.stringify(session), {
        expiry: { type: 'EX' as never, count: ttlOfCookie(session) },
      })),
  }
}

/** get and set at concurrency 1 and 64: this store on a Valkey GLIDE GlideClient, and the raw GlideClient. */
export async function benchGlide(server: Address): Promise<GlideResult[]> {
  Logger.setLoggerConfig('error')
  const setup = await connect(server)
  const addresses = [{ host: server.host, port: server.port }]
  // The same limits on both: GLIDE's inflightRequestsLimit (1000) is above the benchmark's 64.
  const clients = [await GlideClient.createClient({ addresses }), await GlideClient.createClient({ addresses })]
  const [forStore, forRaw] = clients as [GlideClient, GlideClient]
  const contenders = [
    {
      name: STORE,
      prefix: 'glide:ours:',
      calls: callsOn(createRedisStore({ client: forStore, prefix: 'glide:ours:' }) as never),
    },
    { name: RAW, prefix: 'glide:raw:', calls: rawGlideCalls(forRaw, 'glide:raw:') },
  ]
  const session = sampleSession()
  const results: GlideResult[] = []
  try {
    for (const concurrency of CONCURRENCIES) {
      const count = settings.operations.count[concurrency] ?? 1_000
      for (const operation of OPERATIONS) {
        const rounds: Contender<number>[] = contenders.map(({ name, prefix, calls }) => ({
          name,
          round: async () => {
            if (operation === 'get') await populate(setup, prefix, count)
            return timed(count, concurrency, (i) =>
              operation === 'get' ? calls.get(`s${i}`) : calls.set(`s${i}`, session),
            )
          },
        }))
        const opsPerSecond = medianRates(await alternate(rounds, settings.rounds))
        const result = {
          operation,
          concurrency,
          opsPerSecond,
          ratioVsRaw: ratio(opsPerSecond[STORE] ?? 0, opsPerSecond[RAW] ?? 0),
        }
        console.log(
          `[bench] GLIDE ${operation} x${concurrency}:`,
          JSON.stringify(opsPerSecond),
          `vs raw ${result.ratioVsRaw}`,
        )
        results.push(result)
      }
    }
  } finally {
    for (const client of clients) client.close()
  }
  await setup.flushAll()
  return results
}
