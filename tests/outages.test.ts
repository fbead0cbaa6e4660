import { setTimeout as sleep } from 'node:timers/promises'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, DEFAULT_TIMEOUT, type RedisSessionStore, RedisSessionStoreError } from '../src/index.js'
import { CLIENT_LIBRARIES, type ClientHandle, type ClientLibrary, startClient } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { waitFor } from './helpers/poll.js'
import {
  type Address,
  type ServerProcess,
  type SilentServer,
  startRedis,
  startSilentServer,
} from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

const FAILURES = ['ERR_STORE_TIMEOUT', 'ERR_STORE_NOT_CONNECTED']

/** The error a call settled with; a call that succeeds where it must fail is a test failure. */
async function failure(call: Promise<unknown>): Promise<RedisSessionStoreError> {
  try {
    await call
  } catch (error) {
    assert.instance(error, RedisSessionStoreError)
    return error as RedisSessionStoreError
  }
  assert.unreachable('the call succeeded while Redis was unavailable')
  throw new Error('unreachable')
}

/** Waits for an event, or fails the test after `ms` (a bound on a hang, not a measure of speed). */
function nextEvent(store: RedisSessionStore, event: 'connect' | 'disconnect', ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${ms} ms`)), ms)
    store.once(event, () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Until the store answers again (the client reconnects on its own schedule); fails after 15 s. */
const untilWorking = (store: RedisSessionStore) =>
  waitFor(
    'the store to answer again',
    async () => {
      await store.length()
      return true
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  )

/** Redis stops answering every client (its connections stay open) for `ms` milliseconds. */
async function pauseClients({ host, port }: Address, ms: number): Promise<void> {
  const client = createClient({ socket: { host, port } })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.sendCommand(['CLIENT', 'PAUSE', String(ms), 'ALL'])
  } finally {
    client.destroy()
  }
}

const everyCall = (store: RedisSessionStore): Array<[string, () => Promise<unknown>]> => [
  ['get', () => store.get('sid')],
  ['set', () => store.set('sid', sessionFor())],
  ['touch', () => store.touch('sid', sessionFor())],
  ['destroy', () => store.destroy('sid')],
  ['length', () => store.length()],
  ['ids', () => store.ids()],
  ['all', () => store.all()],
  ['clear', () => store.clear()],
]

function faultSuite(name: ClientLibrary, redis: () => ServerProcess, silent: () => SilentServer) {
  const test = suite(`outages, ${name}`)
  let handle: ClientHandle | undefined
  const connect = async () => {
    handle = startClient(name, redis())
    await handle.connected
    return handle.client
  }
  test.after.each(async () => {
    await handle?.close()
    handle = undefined
  })

  test('settles every call with a store error, with no option set, against a server that never answers', async () => {
    handle = startClient(name, silent())
    const store = createRedisStore({ client: handle.client })
    // At once: an ioredis client making its first connection takes the calls, and each waits out its timeout.
    const calls = everyCall(store).map(async ([operation, call]) => ({ operation, error: await failure(call()) }))
    for (const { operation, error } of await Promise.all(calls)) {
      assert.ok(FAILURES.includes(error.code), `${operation}: ${error.code}`)
      assert.match(error.message, `${operation}()`)
    }
  })

  test('times out, naming the operation and the timeout, on a live connection that stops answering', async () => {
    const store = createRedisStore({ client: await connect(), prefix: uniquePrefix(), timeout: 200 })
    await store.set('frozen', sessionFor({ n: 1 }))
    redis().freeze()
    try {
      const error = await failure(store.get('frozen'))
      assert.is(error.code, 'ERR_STORE_TIMEOUT')
      assert.match(error.message, 'get()')
      assert.match(error.message, '200 ms')
    } finally {
      redis().thaw()
    }
    assert.equal(await store.get('frozen'), sessionFor({ n: 1 }))
  })

  if (name === 'node-redis 6') {
    test('times out with no option set, when a live connection stops answering', async () => {
      const store = createRedisStore({ client: await connect(), prefix: uniquePrefix() })
      redis().freeze()
      try {
        const error = await failure(store.get('frozen'))
        assert.is(error.code, 'ERR_STORE_TIMEOUT')
        assert.match(error.message, `within the ${DEFAULT_TIMEOUT} ms timeout`)
      } finally {
        redis().thaw()
      }
    })
  }

  test('calls back exactly once when the answer comes after the timeout', async () => {
    const store = createRedisStore({ client: await connect(), prefix: uniquePrefix(), timeout: 100 })
    const calls: unknown[] = []
    redis().freeze()
    try {
      await new Promise<void>((resolve) => {
        store.set('late', sessionFor(), (error) => {
          calls.push(error)
          resolve()
        })
      })
    } finally {
      redis().thaw()
    }
    // The late answer arrives once Redis runs again; a later call on the same connection comes after it.
    await store.get('late')
    await sleep(20)
    assert.is(calls.length, 1)
    assert.is((calls[0] as RedisSessionStoreError).code, 'ERR_STORE_TIMEOUT')
  })

  test('times out while Redis is paused with CLIENT PAUSE, and works when the pause ends', async () => {
    const store = createRedisStore({ client: await connect(), prefix: uniquePrefix(), timeout: 150 })
    await store.set('paused', sessionFor())
    await pauseClients(redis(), 600)
    const error = await failure(store.get('paused'))
    assert.is(error.code, 'ERR_STORE_TIMEOUT')
    await sleep(600)
    assert.equal(await store.get('paused'), sessionFor())
  })

  test('emits disconnect when Redis dies, fails fast meanwhile, emits connect when it is back, and works again', async () => {
    const store = createRedisStore({ client: await connect(), prefix: uniquePrefix(), timeout: 300 })
    const emitted: string[] = []
    const emit = store.emit.bind(store)
    store.emit = (event: string | symbol, ...args: unknown[]) => {
      emitted.push(String(event))
      return emit(event, ...args)
    }
    await store.set('before', sessionFor({ kept: true }))
    const disconnected = nextEvent(store, 'disconnect')
    await redis().kill()
    await disconnected
    assert.is((await failure(store.get('before'))).code, 'ERR_STORE_NOT_CONNECTED')
    const connected = nextEvent(store, 'connect')
    await redis().restart()
    await connected
    await untilWorking(store)
    assert.equal(await store.get('before'), sessionFor({ kept: true }))
    await store.set('after', sessionFor())
    assert.ok(await store.get('after'))
    assert.equal(
      emitted.filter((event) => event === 'connect' || event === 'disconnect'),
      ['disconnect', 'connect'],
    )
    assert.not.ok(emitted.includes('error'))
  })

  test('keeps every acknowledged session when Redis is killed with SIGKILL in the middle of writes', async () => {
    const prefix = uniquePrefix()
    const store = createRedisStore({ client: await connect(), prefix, timeout: 500 })
    const acknowledged: string[] = []
    let writing = true
    const writer = async (id: number) => {
      for (let n = 0; writing; n++) {
        const sid = `w${id}-${n}`
        try {
          await store.set(sid, sessionFor({ sid }))
          acknowledged.push(sid)
        } catch {
          await sleep(5)
        }
      }
    }
    const writers = Array.from({ length: 8 }, (_, id) => writer(id))
    await waitFor('200 acknowledged writes', () => acknowledged.length >= 200, { intervalMs: 5 })
    await redis().kill()
    writing = false
    await Promise.all(writers)
    await redis().restart()
    await untilWorking(store)
    const inspector = await standaloneInspector(redis())
    try {
      const missing: string[] = []
      for (const sid of acknowledged) if (!(await inspector.exists(`${prefix}${sid}`))) missing.push(sid)
      assert.equal(missing, [], `${missing.length} of ${acknowledged.length} acknowledged sessions were lost`)
    } finally {
      await inspector.close()
    }
  })

  // The test command fails the test during which an unhandled rejection is reported: this one waits for late ones.
  test('leaves no unhandled rejection behind', async () => {
    await sleep(50)
  })

  return test
}

let redisProcess: ServerProcess | undefined
let silentServer: SilentServer | undefined
const suites = CLIENT_LIBRARIES.map((name) =>
  faultSuite(
    name,
    () => redisProcess as ServerProcess,
    () => silentServer as SilentServer,
  ),
)
suites[0]?.before(async () => {
  redisProcess = await startRedis({ durable: true })
  silentServer = await startSilentServer()
})
suites.at(-1)?.after(async () => {
  await redisProcess?.stop()
  await silentServer?.close()
})
for (const test of suites) test.run()
