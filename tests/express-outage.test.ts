import { setTimeout as sleep } from 'node:timers/promises'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, startClient } from './helpers/clients.js'
import { type ListeningApp, startRequireSessionApp, visitor } from './helpers/express-app.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

const TIMEOUT = 400
// Room for a loaded machine: the bound that matters is that no request waits for Redis to come back.
const MARGIN = 1000

/** Resolves when `condition` holds; fails after 20 s (a bound on a hang, not a measure of speed). */
const until = (condition: () => boolean, what: string) =>
  waitFor(what, condition, { timeoutMs: 20_000, intervalMs: 10 })

function connectionState(store: RedisSessionStore) {
  const state = { connected: true, disconnects: 0, reconnects: 0 }
  store.on('disconnect', () => {
    state.connected = false
    state.disconnects++
  })
  store.on('connect', () => {
    state.connected = true
    state.reconnects++
  })
  return state
}

let redis: ServerProcess

for (const clientName of ['node-redis 6', 'ioredis 6'] as const) {
  const test = suite(`express-session during an outage, ${clientName}`)
  let handle: ClientHandle
  let store: RedisSessionStore
  let app: ListeningApp
  let state: ReturnType<typeof connectionState>

  test.before(async () => {
    redis ??= await startRedis({ durable: true })
    handle = startClient(clientName, redis)
    await handle.connected
    store = createRedisStore({ client: handle.client, prefix: `express-${clientName}:`, timeout: TIMEOUT })
    state = connectionState(store)
    app = await startRequireSessionApp(store)
  })
  test.after(async () => {
    await app.close()
    await handle.close()
  })

  test('lets requests through without a session while disconnected, and the middleware answers 503', async () => {
    const visit = visitor(app.url)
    assert.is((await visit('/count')).body, '1')
    await redis.kill()
    await until(() => !state.connected, "the store's disconnect event")
    assert.is((await visit('/open')).body, 'no session')
    const refused = await visit('/count')
    assert.is(refused.status, 503)
    assert.is(refused.headers.get('retry-after'), '1')
    await redis.restart()
    await until(() => state.connected, "the store's connect event")
    assert.is((await visit('/open')).body, 'session')
    assert.is((await visit('/count')).body, '2')
  })

  test('answers every request of a load loop within the timeout while Redis is killed and restarted, then recovers', async () => {
    const latencies: number[] = []
    const statuses = new Map<number, number>()
    const lostCounts: string[] = []
    let finishedAfterRecovery = 0
    let recovered = false
    let failedAfterRecovery = 0
    let running = true

    async function worker(id: number) {
      const visit = visitor(app.url)
      let acknowledged = 0
      while (running) {
        const started = performance.now()
        const afterRecovery = recovered
        const { status, body } = await visit('/count').catch(() => ({ status: 0, body: 'no answer' }))
        latencies.push(performance.now() - started)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status === 200) {
          const count = Number(body)
          // A count that goes back means an acknowledged save was lost.
          if (count <= acknowledged) lostCounts.push(`visitor ${id}: ${count} after ${acknowledged}`)
          acknowledged = count
        }
        if (afterRecovery) {
          finishedAfterRecovery++
          if (status !== 200) failedAfterRecovery++
        }
      }
    }

    const workers = Array.from({ length: 16 }, (_, id) => worker(id))
    try {
      await until(() => latencies.length >= 1000, '1000 requests before the outage')
      await redis.kill()
      const atKill = latencies.length
      await until(() => !state.connected && latencies.length >= atKill + 300, '300 requests during the outage')
      await redis.restart()
      await until(() => state.connected, "the store's connect event")
      // Requests already under way may still have been answered during the outage; count only those sent after.
      recovered = true
      await until(() => finishedAfterRecovery >= 1000, '1000 requests after Redis came back')
    } finally {
      running = false
      await Promise.all(workers)
    }

    const slowest = Math.max(...latencies)
    assert.ok(slowest <= TIMEOUT + MARGIN, `the slowest request took ${Math.round(slowest)} ms`)
    assert.ok((statuses.get(503) ?? 0) > 0, 'no request saw the outage')
    assert.is(failedAfterRecovery, 0)
    assert.equal(lostCounts, [])
    // 0 is a request that got no answer at all.
    assert.equal(
      [...statuses.keys()].filter((status) => ![200, 500, 503].includes(status)),
      [],
    )
    console.log(
      `    ${clientName}: ${latencies.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `slowest ${Math.round(slowest)} ms (timeout ${TIMEOUT} ms)`,
    )
  })

  if (clientName === 'ioredis 6') test.after(() => redis.stop())
  test.run()
}

const middleware = suite('requireSession options')
// A client that is never connected: the store reports it disconnected, so express-session adds no session.
const client = createClient()
client.on('error', () => {})
const offlineStore = () => createRedisStore({ client })

middleware('answers with the status, message and Retry-After given', async () => {
  const app = await startRequireSessionApp(offlineStore(), { status: 401, message: 'log in again', retryAfter: 0 })
  try {
    await sleep(0)
    const response = await visitor(app.url)('/count')
    assert.is(response.status, 401)
    assert.is(response.body, 'log in again')
    assert.is(response.headers.get('retry-after'), null)
  } finally {
    await app.close()
  }
})

middleware('hands a request without a session to onMissing instead of answering', async () => {
  const app = await startRequireSessionApp(offlineStore(), {
    onMissing: (_req, res) => {
      res.statusCode = 307
      res.setHeader('Location', '/open')
      res.end()
    },
  })
  try {
    const response = await fetch(`${app.url}/count`, { redirect: 'manual' })
    assert.is(response.status, 307)
    assert.is(response.headers.get('location'), '/open')
  } finally {
    await app.close()
  }
})

middleware('refuses bad options with a TypeError naming the option', async () => {
  const { requireSession } = await import('../src/index.js')
  const bad: Array<[string, Record<string, unknown>]> = [
    ['status', { status: 200 }],
    ['status', { status: '503' }],
    ['retryAfter', { retryAfter: -1 }],
    ['message', { message: 42 }],
    ['onMissing', { onMissing: 'next' }],
  ]
  for (const [name, options] of bad) {
    assert.throws(
      () => requireSession(options),
      (error: unknown) => error instanceof TypeError && error.message.includes(`option "${name}"`),
      name,
    )
  }
})

middleware.run()
