import { setTimeout as sleep } from 'node:timers/promises'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, DEFAULT_TIMEOUT, RedisSessionStoreError } from '../src/index.js'
import { withCallPolicy } from '../src/store/call-policy.js'
import { deadlines } from '../src/store/deadline.js'

/** An operation whose answer the test gives when it chooses, or never. */
function controlled<T>() {
  let answer!: (value: T) => void
  let fail!: (error: unknown) => void
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve
    fail = reject
  })
  return { run: () => promise, answer, fail }
}

const never = () => new Promise<never>(() => {})

/** Calls that settle as `pending` does, under one store's deadlines of `timeoutMs`, through the store's adapter. */
function boundedCalls(timeoutMs: number) {
  const clock = deadlines(timeoutMs)
  return <T>(name: string, pending: Promise<T>): Promise<T> =>
    withCallPolicy(() => pending, { name, deadlines: clock })() as Promise<T>
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.unreachable('the call settled with a value')
}

const deadline = suite('deadlines')
// The deadline timer is unref'd (a socket keeps a real store's process alive); here nothing else would.
let keepAlive: NodeJS.Timeout | undefined
deadline.before(() => {
  keepAlive = setInterval(() => {}, 1000)
})
deadline.after(() => clearInterval(keepAlive))

deadline(
  'rejects a call that has not settled in time with ERR_STORE_TIMEOUT naming the operation and timeout',
  async () => {
    const error = await rejection(boundedCalls(30)('get', never()))
    assert.instance(error, RedisSessionStoreError)
    assert.is((error as RedisSessionStoreError).code, 'ERR_STORE_TIMEOUT')
    assert.match((error as RedisSessionStoreError).message, 'get() did not complete within the 30 ms timeout')
  },
)

deadline('passes through the value and the error of a call that settles in time', async () => {
  const within = boundedCalls(1000)
  assert.is(await within('get', Promise.resolve(21 * 2)), 42)
  const failure = new Error('from Redis')
  assert.is(await rejection(within('set', Promise.reject(failure))), failure)
})

deadline('with timeout 0, returns the pending call itself', () => {
  const pending = Promise.resolve(1)
  assert.is(boundedCalls(0)('get', pending), pending)
})

deadline('times out each call by its own deadline, in the order the calls started', async () => {
  const within = boundedCalls(40)
  const order: number[] = []
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < 5; i++) {
    calls.push(within(`call${i}`, never()).catch(() => order.push(i)))
    await sleep(15)
  }
  // A call that answers in time between them is not timed out.
  const quick = controlled<string>()
  const answered = within('quick', quick.run())
  quick.answer('in time')
  await Promise.all(calls)
  assert.is(await answered, 'in time')
  assert.equal(order, [0, 1, 2, 3, 4])
})

deadline('calls back once, and raises no unhandled rejection, when the answer or error comes late', async () => {
  const clock = deadlines(20)
  const late = controlled<string>()
  const lateFailure = controlled<string>()
  const results: unknown[] = []
  withCallPolicy(late.run, { name: 'get', deadlines: clock })((error, value) => results.push(error ?? value))
  withCallPolicy(lateFailure.run, { name: 'set', deadlines: clock })((error, value) => results.push(error ?? value))
  await sleep(60)
  late.answer('too late')
  lateFailure.fail(new Error('too late as well'))
  await sleep(20)
  assert.is(results.length, 2)
  for (const result of results) assert.is((result as RedisSessionStoreError).code, 'ERR_STORE_TIMEOUT')
})

deadline('runs one timer for two thousand concurrent calls, not one per call', async () => {
  const { setTimeout: realSetTimeout, setInterval: realSetInterval } = globalThis
  let timers = 0
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++
    return realSetTimeout(...args)
  }) as typeof setTimeout
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    timers++
    return realSetInterval(...args)
  }) as typeof setInterval
  try {
    const within = boundedCalls(30)
    const answered = Array.from({ length: 1000 }, (_, i) => within('get', Promise.resolve(i)))
    const hanging = Array.from({ length: 1000 }, () => rejection(within('get', never())))
    await Promise.all([...answered, ...hanging])
  } finally {
    globalThis.setTimeout = realSetTimeout
    globalThis.setInterval = realSetInterval
  }
  assert.is(timers, 1)
})

deadline('stops its timer when no call is pending, and starts it again for the next call', async () => {
  const { setInterval: realSetInterval, clearInterval: realClearInterval } = globalThis
  const running = new Set<unknown>()
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args)
    running.add(timer)
    return timer
  }) as typeof setInterval
  globalThis.clearInterval = ((timer: NodeJS.Timeout | undefined) => {
    running.delete(timer)
    realClearInterval(timer)
  }) as typeof clearInterval
  try {
    const within = boundedCalls(20)
    await within('get', Promise.resolve('quick'))
    await rejection(within('get', never()))
    await sleep(50)
    assert.is(running.size, 0)
    const error = await rejection(within('set', never()))
    assert.is((error as RedisSessionStoreError).code, 'ERR_STORE_TIMEOUT')
  } finally {
    globalThis.setInterval = realSetInterval
    globalThis.clearInterval = realClearInterval
  }
})

deadline(
  'measures real time, not timer ticks: on a busy event loop a call still expires a turn or two after its timeout',
  async () => {
    const within = boundedCalls(200)
    let expired = false
    const expiry = rejection(within('get', never())).then(() => {
      expired = true
    })
    // Each turn of the event loop spends 30 ms on other work, as an application under load does; the deadline's
    // timer then runs once per turn. 200 ms is about 7 such turns; counting the timer's runs as 10 ms took 21.
    const TURN_MS = 30
    let turns = 0
    await new Promise<void>((resolve) => {
      const busyTurn = () => {
        const end = performance.now() + TURN_MS
        while (performance.now() < end) turns += 0
        turns++
        if (expired || turns >= 40) resolve()
        else setImmediate(busyTurn)
      }
      setImmediate(busyTurn)
    })
    await expiry
    assert.ok(turns <= 12, `expired after ${turns} turns of ${TURN_MS} ms, with a 200 ms timeout`)
  },
)

deadline.run()

const option = suite('timeout option')
const client = createClient()

option('defaults to at most 2000 ms', () => {
  assert.ok(DEFAULT_TIMEOUT > 0 && DEFAULT_TIMEOUT <= 2000)
})

option('accepts 0 (no timeout) and whole milliseconds', () => {
  for (const timeout of [0, 1, 250, 2000, 2_147_483_647]) createRedisStore({ client, timeout })
})

option('refuses anything else with a TypeError naming the option', () => {
  for (const timeout of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '100', null, true]) {
    assert.throws(
      () => createRedisStore({ client, timeout: timeout as number }),
      (error: unknown) => error instanceof TypeError && /option "timeout"/.test(error.message),
      String(timeout),
    )
  }
})

option.run()
