import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, startClient } from './helpers/clients.js'
import { koaApp, koaBrowser, listen } from './helpers/koa-app.js'
import type { ListeningApp } from './helpers/loopback.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { codeOf } from './helpers/sessions.js'

/** Resolves when `condition` holds; fails after 20 s (a bound on a hang, not a measure of speed). */
const until = (condition: () => boolean, what: string) =>
  waitFor(what, condition, { timeoutMs: 20_000, intervalMs: 10 })

let redis: ServerProcess

for (const clientName of ['node-redis 6', 'ioredis 6'] as const) {
  const test = suite(`koa-session during an outage, ${clientName}`)
  let handle: ClientHandle
  let store: RedisSessionStore
  let connected = true
  const apps: ListeningApp[] = []

  test.before(async () => {
    redis ??= await startRedis({ durable: true })
    handle = startClient(clientName, redis)
    await handle.connected
    // A timeout no test waits for: a request that is answered at all during the outage was refused at once.
    store = createRedisStore({ client: handle.client, prefix: `koa-${clientName}:`, timeout: 60_000 })
    store.on('disconnect', () => {
      connected = false
    })
    store.on('connect', () => {
      connected = true
    })
  })
  test.after(async () => {
    for (const app of apps) await app.close()
    await handle.close()
  })

  async function started(unavailableAs503: boolean) {
    const { app, errors, unavailable } = koaApp({ store: store.koa, unavailableAs503 })
    const listening = await listen(app)
    apps.push(listening)
    return { url: listening.url, errors, unavailable }
  }

  test('answers 503 with Retry-After at once while Redis is down (the store refuses), and recovers', async () => {
    const { url, unavailable } = await started(true)
    const browser = koaBrowser()
    await browser.send(`${url}/change?set=a=1`)
    await redis.kill()
    try {
      await until(() => !connected, "the store's disconnect event")
      const refused = await browser.send(`${url}/session`)
      assert.is(refused.status, 503)
      assert.is(refused.text, 'Sessions are unavailable; try again in a moment.')
      // A new visitor's save (after its route ran) fails the same way.
      assert.is((await koaBrowser().send(`${url}/change?set=b=2`)).status, 503)
      assert.equal(unavailable, ['ERR_STORE_NOT_CONNECTED', 'ERR_STORE_NOT_CONNECTED'])
    } finally {
      await redis.restart()
    }
    await until(() => connected, "the store's connect event")
    assert.equal((await browser.send(`${url}/session`)).body, { a: '1' })
  })

  test("without the middleware, koa-session lets the store's error through: Koa answers 500", async () => {
    await until(() => connected, 'the store connected')
    const { url, errors } = await started(false)
    const browser = koaBrowser()
    await browser.send(`${url}/change?set=a=1`)
    await redis.kill()
    try {
      await until(() => !connected, "the store's disconnect event")
      const failed = await browser.send(`${url}/session`)
      assert.is(failed.status, 500)
      assert.is(failed.text, 'Internal Server Error')
      assert.equal(errors.map(codeOf), ['ERR_STORE_NOT_CONNECTED'])
    } finally {
      await redis.restart()
    }
    await until(() => connected, "the store's connect event")
  })

  if (clientName === 'ioredis 6') test.after(() => redis.stop())
  test.run()
}
