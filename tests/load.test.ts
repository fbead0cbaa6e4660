import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, type ClientLibrary, connectClient } from './helpers/clients.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

// npm test runs node without --expose-gc; V8 can still be asked for gc() at run time.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

const OPERATIONS = 10_000
const STORED = 500
// Each callback holds 1 KB of its own and each written session 2 KB, so that a store keeping the callbacks
// of one round alive would show as 10 MB or more, and one keeping its sessions as about 6 MB.
const ballast = (i: number, bytes: number) => String(i).padStart(bytes, '.')
// Far above what a round leaves behind (client buffers that grew and stay grown), below a leaked round.
const HEAP_TOLERANCE = 4 * 1024 * 1024

interface Outcome {
  calls: number
  error: unknown
  ballast: string
}

/** One operation through the callback adapter: the kind of call, and what its callback must receive. */
type Operation = (store: RedisSessionStore, i: number, done: (error: unknown) => void) => void

const mix: Array<{ expect: 'ok' | 'TypeError'; run: Operation }> = [
  {
    expect: 'ok',
    run: (store, i, done) => store.set(`s${i % STORED}`, sessionFor({ i, payload: ballast(i, 2048) }), done),
  },
  { expect: 'ok', run: (store, i, done) => store.get(`s${i % STORED}`, done) },
  {
    expect: 'ok',
    run: (store, i, done) => store.touch(`s${i % STORED}`, sessionFor({ i, payload: ballast(i, 2048) }), done),
  },
  { expect: 'ok', run: (store, i, done) => store.destroy(`gone${i}`, done) },
  // Reads of a corrupt value: the default policy answers null and emits corruptSession.
  { expect: 'ok', run: (store, _i, done) => store.get('corrupt', done) },
  // Refused before any command is sent: the callback still gets the error, once.
  { expect: 'TypeError', run: (store, i, done) => store.set('', sessionFor({ i }), done) },
  { expect: 'ok', run: (store, i, done) => (i % 500 === 0 ? store.length(done) : store.get(`missing${i}`, done)) },
]

/** Starts `count` operations at once and resolves when each has called back; outcomes are per operation. */
function runConcurrently(store: RedisSessionStore, count: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = Array.from({ length: count }, (_, i) => ({
    calls: 0,
    error: undefined,
    ballast: ballast(i, 1024),
  }))
  let settled = 0
  return new Promise((resolve) => {
    for (let i = 0; i < count; i++) {
      const outcome = outcomes[i] as Outcome
      const operation = mix[i % mix.length]
      operation?.run(store, i, (error) => {
        outcome.calls += 1
        outcome.error = error
        if (outcome.calls === 1 && ++settled === count) resolve(outcomes)
      })
    }
  })
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100))

const server = sharedServer(startRedis)

function loadSuite(library: ClientLibrary) {
  const test = suite(`10,000 concurrent mixed operations through callbacks (${library})`)
  let handle: ClientHandle
  let redis: Inspector
  const unhandled: unknown[] = []
  const warnings: Error[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  const onWarning = (warning: Error) => warnings.push(warning)

  test.before(async () => {
    handle = await connectClient(library, await server())
    redis = await standaloneInspector(await server())
    process.on('unhandledRejection', onUnhandled)
    process.on('warning', onWarning)
  })
  test.after(async () => {
    process.off('unhandledRejection', onUnhandled)
    process.off('warning', onWarning)
    await handle.close()
    await redis.close()
  })

  test('calls every callback exactly once, with the right outcome, and leaves the heap as it found it', async () => {
    const prefix = uniquePrefix('load')
    let store: RedisSessionStore | undefined = createRedisStore({ client: handle.client, prefix })
    let corruptReads = 0
    store.on('corruptSession', () => corruptReads++)
    await redis.set(`${prefix}corrupt`, '{"no":"cookie"}')

    // A first round grows the client's buffers and queues to their working size before the baseline.
    await runConcurrently(store, OPERATIONS / 5)
    await settle()
    corruptReads = 0
    collectGarbage()
    const baseline = process.memoryUsage().heapUsed

    let outcomes: Outcome[] | undefined = await runConcurrently(store, OPERATIONS)
    // A second call of any callback would come after the first: give it the time to happen.
    await settle()
    outcomes.forEach((outcome, i) => {
      assert.is(outcome.calls, 1, `operation ${i} called back ${outcome.calls} times`)
      const expected = mix[i % mix.length]?.expect
      if (expected === 'TypeError') assert.instance(outcome.error, TypeError)
      else assert.is(outcome.error, null, `operation ${i}: ${String(outcome.error)}`)
    })
    assert.is(corruptReads, Math.ceil((OPERATIONS - 4) / mix.length))
    assert.equal(unhandled, [])
    assert.equal(
      warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning'),
      [],
    )

    outcomes = undefined
    store = undefined
    collectGarbage()
    await settle()
    collectGarbage()
    const growth = process.memoryUsage().heapUsed - baseline
    if (process.env.LOAD_REPORT) console.log(`heap growth ${growth} bytes`)
    assert.ok(growth < HEAP_TOLERANCE, `the heap grew by ${(growth / 1024 / 1024).toFixed(1)} MB`)
  })

  return test
}

const suites = (['node-redis 6', 'ioredis 6'] as const).map(loadSuite)
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
