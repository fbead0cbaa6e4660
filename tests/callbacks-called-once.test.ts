import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisSessionStore, type RedisStoreOptions } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

type Callback = (error: unknown, value?: unknown) => void

/** Every call of one callback, and what the method returned. */
interface Collected {
  method: string
  returned: unknown
  calls: Array<{ error: unknown; value: unknown }>
}

/** One store method called with a callback: its name, and the call given a callback. */
type CallbackCall = [method: string, call: (callback: Callback) => unknown]

// Each call's deadline runs out `TIMEOUT` ms after it starts: a second call could come from it, or from an answer
// that arrives after it. The window waited after the last first call is longer than both.
const TIMEOUT = 150
const WINDOW_MS = TIMEOUT + 250

const userOf = (session: unknown) => (session as TestSession).user as string | undefined

/** The ten callback-style methods, each with arguments that succeed on a store holding s1 of ada. */
const everyMethod = (store: RedisSessionStore): CallbackCall[] => [
  ['get', (done) => store.get('s1', done)],
  ['set', (done) => store.set('s2', sessionFor({ user: 'ada' }), done)],
  ['touch', (done) => store.touch('s1', sessionFor({ user: 'ada' }), done)],
  ['length', (done) => store.length(done)],
  ['ids', (done) => store.ids(done)],
  ['all', (done) => store.all(done)],
  ['userSessions', (done) => store.userSessions('ada', done)],
  ['destroyUserSessions', (done) => store.destroyUserSessions('ada', { except: 's1' }, done)],
  ['destroy', (done) => store.destroy('s2', done)],
  ['clear', (done) => store.clear(done)],
]

function collect([method, call]: CallbackCall, callback?: Callback): Collected {
  const collected: Collected = { method, returned: 'not yet called', calls: [] }
  collected.returned = call((error, value) => {
    collected.calls.push({ error, value })
    callback?.(error, value)
  })
  return collected
}

/** Until the callback has been called at least once; a call that never calls back fails the test. */
async function calledBack(collected: Collected, ms = 5_000): Promise<Collected> {
  await waitFor(`${collected.method}() to call back`, () => collected.calls.length > 0, {
    timeoutMs: ms,
    intervalMs: 5,
  })
  return collected
}

/** Until `condition` holds, checked every 20 ms; after 15 s, the test fails naming `what`. */
const until = (what: string, condition: () => Promise<boolean>) =>
  waitFor(what, condition, { timeoutMs: 15_000, intervalMs: 20 })

/** Each method called back exactly once, with an error of `code` (or none, for null), and returned nothing. */
function assertOnce(results: Collected[], code: string | null): void {
  for (const { method, returned, calls } of results) {
    assert.is(returned, undefined, `${method}() returned something`)
    assert.is(calls.length, 1, `${method}() called back ${calls.length} times`)
    const error = calls[0]?.error
    if (code === null) assert.is(error, null, `${method}(): ${String(error)}`)
    else assert.is(codeOf(error), code, `${method}(): ${String(error)}`)
  }
}

function onceSuite(library: 'node-redis 6' | 'ioredis 6', redis: () => ServerProcess) {
  const test = suite(`every callback-style method calls back exactly once (${library})`)
  let handle: ClientHandle | undefined

  test.after.each(async () => {
    await handle?.close()
    handle = undefined
  })

  async function storeWith(options: Omit<RedisStoreOptions, 'client'> = {}) {
    handle = await connectClient(library, redis())
    const store = createRedisStore({
      client: handle.client,
      prefix: uniquePrefix('once'),
      timeout: TIMEOUT,
      userId: userOf,
      ...options,
    })
    await store.set('s1', sessionFor({ user: 'ada' }))
    return store
  }

  test('when Redis answers: once, with the result, through the whole deadline and after', async () => {
    const store = await storeWith()
    const results: Collected[] = []
    // One after the other, each on what the one before left.
    for (const call of everyMethod(store)) results.push(await calledBack(collect(call)))
    await sleep(WINDOW_MS)
    assertOnce(results, null)
    const value = (method: string) => results.find((result) => result.method === method)?.calls[0]?.value
    assert.equal(value('get'), sessionFor({ user: 'ada' }))
    assert.is(value('length'), 2)
    assert.equal((value('ids') as string[]).sort(), ['s1', 's2'])
    assert.is((value('all') as unknown[]).length, 2)
    assert.equal((value('userSessions') as string[]).sort(), ['s1', 's2'])
    assert.is(value('destroyUserSessions'), 1)
  })

  test('when the call fails before any command: once, with the error', async () => {
    const store = await storeWith()
    const refusedArgument: CallbackCall[] = [
      ['get', (done) => store.get('', done)],
      ['set', (done) => store.set('', sessionFor(), done)],
      ['touch', (done) => store.touch('', sessionFor(), done)],
      ['destroy', (done) => store.destroy('', done)],
      ['userSessions', (done) => store.userSessions('', done)],
      ['destroyUserSessions', (done) => store.destroyUserSessions('', done)],
    ]
    const results = await Promise.all(refusedArgument.map((call) => calledBack(collect(call))))
    const unsafe = createRedisStore({ client: handle?.client as SupportedClient, prefix: '', timeout: TIMEOUT })
    results.push(await calledBack(collect(['clear', (done) => unsafe.clear(done)])))
    await sleep(WINDOW_MS)
    for (const { method, returned, calls } of results) {
      assert.is(returned, undefined, method)
      assert.is(calls.length, 1, `${method}() called back ${calls.length} times`)
    }
    for (const result of results.slice(0, -1)) assert.instance(result.calls[0]?.error, TypeError, result.method)
    assert.is(codeOf(results.at(-1)?.calls[0]?.error), 'ERR_UNSAFE_CLEAR')
  })

  test('when the callback throws: once, and what it threw escapes once', async () => {
    const store = await storeWith()
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    const results: Collected[] = []
    try {
      for (const call of everyMethod(store)) {
        results.push(
          await calledBack(
            collect(call, () => {
              throw new Error(`thrown by the callback of ${call[0]}()`)
            }),
          ),
        )
      }
      await sleep(WINDOW_MS)
    } finally {
      process.off('uncaughtException', onUncaught)
    }
    assertOnce(results, null)
    assert.equal(
      uncaught.map((error) => (error as Error).message),
      results.map(({ method }) => `thrown by the callback of ${method}()`),
    )
  })

  test('when Redis stops answering: once, with ERR_STORE_TIMEOUT, and not again when the answers come late', async () => {
    const store = await storeWith()
    let results: Collected[]
    redis().freeze()
    try {
      results = await Promise.all(everyMethod(store).map((call) => calledBack(collect(call))))
    } finally {
      redis().thaw()
    }
    // The late answers come first on the connection; the operations that send more commands then go on.
    await store.length()
    await sleep(WINDOW_MS)
    assertOnce(results, 'ERR_STORE_TIMEOUT')
  })

  test('when the client is not connected: once, with ERR_STORE_NOT_CONNECTED, and not again once it is', async () => {
    const store = await storeWith()
    await redis().kill()
    await until('the store refuses calls', () =>
      store.length().then(
        () => false,
        (error) => codeOf(error) === 'ERR_STORE_NOT_CONNECTED',
      ),
    )
    const results = await Promise.all(everyMethod(store).map((call) => calledBack(collect(call))))
    await redis().restart()
    await until('the store works again', () =>
      store.length().then(
        () => true,
        () => false,
      ),
    )
    await sleep(WINDOW_MS)
    assertOnce(results, 'ERR_STORE_NOT_CONNECTED')
  })

  return test
}

let redisProcess: ServerProcess | undefined
const suites = (['node-redis 6', 'ioredis 6'] as const).map((library) =>
  onceSuite(library, () => redisProcess as ServerProcess),
)
suites[0]?.before(async () => {
  redisProcess = await startRedis({ durable: true })
})
suites.at(-1)?.after(async () => {
  await redisProcess?.stop()
})
for (const test of suites) test.run()
