import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { CLIENT_LIBRARIES, type ClientHandle, startClient } from './helpers/clients.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

const warnings: Error[] = []
process.on('warning', (warning) => warnings.push(warning))

const EVENTS = ['ready', 'close', 'end', 'reconnecting', 'error', 'connect', 'disconnect']

interface Listening {
  listenerCount(event: string): number
}
const listenersOf = (client: unknown) => EVENTS.map((event) => (client as Listening).listenerCount(event))

function recordConnectionEvents(store: RedisSessionStore): string[] {
  const heard: string[] = []
  store.on('connect', () => heard.push('connect'))
  store.on('disconnect', () => heard.push('disconnect'))
  return heard
}

const test = suite('connection events')
let redis: ServerProcess
const handles: ClientHandle[] = []

test.before(async () => {
  redis = await startRedis({ durable: true })
})
test.after(async () => {
  for (const handle of handles) await handle.close()
  await redis.stop()
})

for (const library of CLIENT_LIBRARIES) {
  test(`attaches its listeners to a ${library} client once, however many stores use it`, async () => {
    const handle = startClient(library, redis)
    handles.push(handle)
    await handle.connected
    createRedisStore({ client: handle.client })
    const afterOne = listenersOf(handle.client)
    for (let i = 0; i < 100; i++) createRedisStore({ client: handle.client })
    assert.equal(listenersOf(handle.client), afterOne)
    assert.equal(
      warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning'),
      [],
    )
  })
}

test('tells every store on a client, once per change, when Redis dies and comes back', async () => {
  const handle = startClient('node-redis 6', redis)
  handles.push(handle)
  await handle.connected
  const stores = [createRedisStore({ client: handle.client }), createRedisStore({ client: handle.client })]
  const heard = stores.map(recordConnectionEvents)
  const back = Promise.all(stores.map((store) => new Promise((resolve) => store.once('connect', resolve))))
  await redis.kill()
  await sleep(200)
  await redis.restart()
  await back
  await sleep(50)
  assert.equal(heard, [
    ['disconnect', 'connect'],
    ['disconnect', 'connect'],
  ])
})

test('emits disconnect on the next tick for a client that is not connected yet, and connect once it is', async () => {
  const client = createClient({ socket: { host: redis.host, port: redis.port } })
  client.on('error', () => {})
  const store = createRedisStore({ client })
  const heard = recordConnectionEvents(store)
  await sleep(0)
  assert.equal(heard, ['disconnect'])
  await client.connect()
  await sleep(0)
  assert.equal(heard, ['disconnect', 'connect'])
  client.destroy()
})

test("does not listen for 'error' on a client whose application does not", () => {
  const client = createClient({ socket: { host: redis.host, port: redis.port } })
  createRedisStore({ client })
  assert.is(client.listenerCount('error'), 0)
})

test('lets a store nobody uses any more be garbage-collected, though its client lives on', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const client = createClient({ socket: { host: redis.host, port: redis.port } })
  client.on('error', () => {})
  createRedisStore({ client })
  const forgotten = new WeakRef(createRedisStore({ client }))
  for (let i = 0; i < 5 && forgotten.deref(); i++) {
    await sleep(10)
    gc()
  }
  assert.is(forgotten.deref(), undefined)
})

test('keeps nothing of the stores that were collected, however many were made on one client', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const client = createClient({ socket: { host: redis.host, port: redis.port } })
  client.on('error', () => {})
  const makeStores = async (count: number) => {
    for (let i = 0; i < count; i++) {
      createRedisStore({ client, prefix: `tenant${i}:` })
      // Lets each store's next-tick check run, so that nothing but the client's watch holds it.
      if (i % 1000 === 0) await sleep(0)
    }
  }
  const collectedHeap = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await sleep(20)
    }
    return process.memoryUsage().heapUsed
  }
  await makeStores(10_000)
  const before = await collectedHeap()
  await makeStores(60_000)
  const grownMiB = ((await collectedHeap()) - before) / 2 ** 20
  // An entry left behind per store costs about 60 bytes: 60,000 of them grow the heap by about 3.4 MiB.
  assert.ok(grownMiB < 1.5, `the heap grew by ${grownMiB.toFixed(2)} MiB over 60,000 collected stores`)
})

test.run()
