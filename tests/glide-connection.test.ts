import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectGlide, connectGlideCluster } from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import { type RunningCluster, type ServerProcess, startCluster, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

const codeOf = (error: unknown) => (error as { code?: string }).code

function recordConnectionEvents(store: RedisSessionStore): string[] {
  const heard: string[] = []
  store.on('connect', () => heard.push('connect'))
  store.on('disconnect', () => heard.push('disconnect'))
  return heard
}

async function failure(call: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await call
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('the call succeeded')
}

const test = suite('Valkey GLIDE: connection state told by command outcomes')
let redis: ServerProcess
const handles: ClientHandle[] = []

test.before(async () => {
  redis = await startRedis({ durable: true })
})
test.after(async () => {
  for (const handle of handles) await handle.close()
  await redis.stop()
})

test('a killed server: the first call times out as ERR_STORE_TIMEOUT, then disconnect, fail fast, and connect once it is back', async () => {
  const handle = await connectGlide(redis)
  handles.push(handle)
  const stores = [handle.client, handle.client].map((client) => createRedisStore({ client, prefix: uniquePrefix() }))
  const [store, other] = stores as [RedisSessionStore, RedisSessionStore]
  const heard = stores.map(recordConnectionEvents)
  await store.set('kept', sessionFor({ n: 1 }))

  await redis.kill()
  const first = await failure(store.get('kept'))
  assert.is(codeOf(first.error), 'ERR_STORE_TIMEOUT')
  assert.is(
    (first.error as Error).cause instanceof Error && (first.error as Error).cause?.constructor.name,
    'TimeoutError',
  )
  assert.equal(heard, [['disconnect'], ['disconnect']])

  const refused = await failure(other.get('kept'))
  assert.is(codeOf(refused.error), 'ERR_STORE_NOT_CONNECTED')
  assert.ok(refused.ms < 50, `refused in ${refused.ms} ms`)
  assert.not.match((refused.error as Error).message, 'kept')

  const back = once(store, 'connect')
  await redis.restart()
  await back
  assert.equal(heard, [
    ['disconnect', 'connect'],
    ['disconnect', 'connect'],
  ])
  assert.equal(await store.get('kept'), sessionFor({ n: 1 }))
})

test('a closed client is not connected for good: calls fail at once', async () => {
  const handle = await connectGlide(redis)
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix() })
  const heard = recordConnectionEvents(store)
  await store.set('s', sessionFor())
  await handle.close()
  const first = await failure(store.get('s'))
  assert.is((first.error as Error).constructor.name, 'ClosingError')
  assert.equal(heard, ['disconnect'])
  const refused = await failure(store.get('s'))
  assert.is(codeOf(refused.error), 'ERR_STORE_NOT_CONNECTED')
})

test('a client created with readFrom other than primary is refused at creation', async () => {
  const handle = await connectGlide(redis, { readFrom: 'preferReplica' })
  handles.push(handle)
  assert.throws(
    () => createRedisStore({ client: handle.client }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message.includes('readFrom "preferReplica"') &&
      error.message.includes('primary'),
  )
})

test.run()

const onCluster = suite('Valkey GLIDE cluster client: a killed master')
let cluster: RunningCluster
let clusterHandle: ClientHandle | undefined

onCluster.before(async () => {
  cluster = await startCluster()
})
onCluster.after(async () => {
  await clusterHandle?.close()
  await cluster.stop()
})

onCluster('says disconnect when a master is lost, and connect once every slot has a primary again', async () => {
  clusterHandle = await connectGlideCluster(cluster.rootNodes)
  const store = createRedisStore({ client: clusterHandle.client, prefix: uniquePrefix() })
  const heard = recordConnectionEvents(store)
  await store.set('s', sessionFor({ n: 2 }))
  const master = await cluster.masterOf(`${store.prefix}s`)
  const failedOver = cluster.failOver(master)
  // A get sent before the kill lands is answered; the first one after it times out.
  await waitFor('the store to say disconnect', async () => {
    await store.get('s').catch(() => {})
    return heard.includes('disconnect')
  })
  assert.equal(heard, ['disconnect'])
  const back = once(store, 'connect')
  await failedOver
  await back
  assert.equal(await store.get('s'), sessionFor({ n: 2 }))
  assert.equal(heard, ['disconnect', 'connect'])
})

onCluster.run()
