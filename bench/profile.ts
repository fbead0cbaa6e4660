// The hot path alone, for `node --cpu-prof` (see "npm run bench:profile"): this store's get, set and
// touch at concurrency 64, then all() over 20,000 sessions (PROFILE_COUNT, PROFILE_BULK).
import { startRedis } from '../tests/helpers/servers.js'
import { callsOn, connect, disconnectAll, ourStore } from './clients.js'
import { sampleSession, timed } from './operations.js'

const server = await startRedis()
try {
  const client = await connect(server)
  const scanCount = Number(process.env.PROFILE_SCAN_COUNT ?? 100)
  const store = ourStore(client, { prefix: 'profile:', scanCount })
  const calls = callsOn(store)
  const session = sampleSession()
  const count = Number(process.env.PROFILE_COUNT ?? 100_000)
  for (const [name, work] of [
    ['set', (i: number) => calls.set(`s${i % 1_000}`, session)],
    ['get', (i: number) => calls.get(`s${i % 1_000}`)],
    ['touch', (i: number) => calls.touch(`s${i % 1_000}`, session)],
  ] as const) {
    console.log(`[profile] ${name}: ${Math.round(await timed(count, 64, work))}/s`)
  }
  const text = JSON.stringify(session)
  const bulk = Number(process.env.PROFILE_BULK ?? 20_000)
  for (let i = 0; i < bulk; i += 1_000) {
    await client.mSet(Array.from({ length: 1_000 }, (_, j) => [`profile:b${i + j}`, text] as [string, string]))
  }
  const started = performance.now()
  const all = await new Promise<unknown[]>((resolve, reject) =>
    store.all?.((error, sessions) => (error ? reject(error) : resolve(Object.values(sessions ?? {})))),
  )
  console.log(`[profile] all: ${all.length} sessions in ${Math.round(performance.now() - started)} ms`)
} finally {
  await disconnectAll()
  await server.stop()
}
