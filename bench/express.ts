import autocannon from 'autocannon'
import { MemoryStore, type Store } from 'express-session'
import { type Address, connect, connectRedisStore, type NodeRedis, ourStore } from './clients.js'
import { loggedInCookies, type RunningApp, startApp } from './express-app.js'
import { alternate, medianOf, ratio, round } from './rounds.js'
import { settings } from './settings.js'

const CASES = [
  { name: 'new visitor, session saved', path: '/login', rolling: false, returning: false },
  { name: 'returning visitor, read only (resave false)', path: '/read', rolling: false, returning: true },
  { name: 'returning visitor, rolling', path: '/read', rolling: true, returning: true },
] as const

export interface ExpressSample {
  requestsPerSecond: number
  p99Ms: number
  commandsPerRequest: number
}

export interface ExpressResult {
  case: string
  /** Medians by contender. */
  contenders: Record<string, ExpressSample>
  ratioVsConnectRedis: Record<string, number>
  ratioVsMemoryStore: Record<string, number>
}

/** The stores an Express app can run on, each built fresh with its own client and prefix. */
async function storesToCompare(server: Address, label: string): Promise<Array<{ name: string; store: Store }>> {
  return [
    { name: 'MemoryStore', store: new MemoryStore() },
    { name: 'connect-redis', store: connectRedisStore(await connect(server), `${label}:cr:`) },
    { name: 'redis-session-store', store: ourStore(await connect(server), { prefix: `${label}:ours:` }) },
    {
      name: 'redis-session-store, touchAfter',
      store: ourStore(await connect(server), { prefix: `${label}:lazy:`, touchAfter: 60 }),
    },
    {
      name: 'redis-session-store, touchAfter + client-side cache',
      store: ourStore(await connect(server, { caching: true }), { prefix: `${label}:csc:`, touchAfter: 60 }),
    },
  ]
}

/** The Express cases, driven by autocannon on loopback, in alternating rounds. */
export async function benchExpress(server: Address): Promise<ExpressResult[]> {
  const observer = await connect(server)
  const results: ExpressResult[] = []
  for (const [index, scenario] of CASES.entries()) {
    const stores = await storesToCompare(server, `app${index}`)
    const apps: Array<{ name: string; app: RunningApp; cookies: string[] }> = []
    for (const { name, store } of stores) {
      const app = await startApp(store, scenario.rolling)
      const cookies = scenario.returning ? await loggedInCookies(app, settings.express.sessions) : []
      apps.push({ name, app, cookies })
    }
    const samples = await alternate(
      apps.map(({ name, app, cookies }) => ({
        name,
        round: () => drive(app, scenario.path, cookies, observer),
      })),
      settings.express.rounds,
    )
    for (const { app } of apps) await app.close()
    const contenders = Object.fromEntries(
      [...samples].map(([name, values]) => [
        name,
        {
          requestsPerSecond: round(
            medianOf(values, (v) => v.requestsPerSecond),
            0,
          ),
          p99Ms: round(
            medianOf(values, (v) => v.p99Ms),
            2,
          ),
          commandsPerRequest: round(
            medianOf(values, (v) => v.commandsPerRequest),
            3,
          ),
        },
      ]),
    )
    const rps = (name: string) => contenders[name]?.requestsPerSecond ?? 0
    const ours = Object.keys(contenders).filter((name) => name.startsWith('redis-session-store'))
    const result = {
      case: scenario.name,
      contenders,
      ratioVsConnectRedis: Object.fromEntries(ours.map((name) => [name, ratio(rps(name), rps('connect-redis'))])),
      ratioVsMemoryStore: Object.fromEntries(ours.map((name) => [name, ratio(rps(name), rps('MemoryStore'))])),
    }
    console.log(`[bench] express, ${scenario.name}:`)
    for (const [name, sample] of Object.entries(contenders)) console.log(`[bench]   ${name}: ${JSON.stringify(sample)}`)
    results.push(result)
    await observer.flushAll()
  }
  return results
}

async function drive(app: RunningApp, path: string, cookies: string[], observer: NodeRedis): Promise<ExpressSample> {
  let next = 0
  const before = await commandsRun(observer)
  const result = await autocannon({
    url: app.url,
    connections: settings.express.connections,
    duration: settings.express.seconds,
    requests: [
      {
        method: 'GET',
        path,
        setupRequest: (request) =>
          cookies.length === 0
            ? request
            : { ...request, headers: { ...request.headers, cookie: cookies[next++ % cookies.length] ?? '' } },
      },
    ],
  })
  const commands = (await commandsRun(observer)) - before
  if (result.non2xx > 0 || result.errors > 0) {
    console.warn(`[bench] ${app.url}${path}: ${result.non2xx} non-2xx responses, ${result.errors} errors`)
  }
  const completed = result.requests.total
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    commandsPerRequest: completed > 0 ? commands / completed : 0,
  }
}

/** Commands Redis has run since it started, not counting the INFO calls that ask. */
export async function commandsRun(client: NodeRedis): Promise<number> {
  const info = await client.info('commandstats')
  let total = 0
  for (const [, command, calls] of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
    if (command !== 'info') total += Number(calls)
  }
  return total
}
