import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { callbackOrPromise, createRedisStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const test = suite('the callback adapter')
let handle: ClientHandle
redisFor(test, { library: 'ioredis 6' }, (started) => {
  handle = started.handle
})

/** Runs `act` and collects what escapes as an uncaught exception or an unhandled rejection meanwhile. */
async function escapes(act: () => void, settleMs = 50): Promise<{ uncaught: unknown[]; unhandled: unknown[] }> {
  const uncaught: unknown[] = []
  const unhandled: unknown[] = []
  const onUncaught = (error: unknown) => uncaught.push(error)
  const onUnhandled = (error: unknown) => unhandled.push(error)
  // uvu installs no handler of its own; these replace the default "crash" for the duration of the act.
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUnhandled)
  try {
    act()
    await new Promise((resolve) => setTimeout(resolve, settleMs))
  } finally {
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUnhandled)
  }
  return { uncaught, unhandled }
}

test('a callback that throws is not called again with its own exception; the exception escapes once', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('cb') })
  let calls = 0
  const thrown = new Error('thrown by the application')
  const { uncaught, unhandled } = await escapes(() =>
    store.get('anything', () => {
      calls += 1
      throw thrown
    }),
  )
  assert.is(calls, 1)
  assert.equal(uncaught, [thrown])
  assert.equal(unhandled, [])
})

test('with a callback, a failure is reported only to the callback, never as an unhandled rejection', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('cb') })
  const errors: unknown[] = []
  let returned: unknown = 'not called'
  const { uncaught, unhandled } = await escapes(() => {
    returned = store.set('', sessionFor(), (error) => errors.push(error))
  })
  assert.is(returned, undefined)
  assert.is(errors.length, 1)
  assert.instance(errors[0], TypeError)
  assert.equal([uncaught, unhandled], [[], []])
})

test('without a callback, every method returns a Promise', async () => {
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('cb') })
  const pending = [
    store.set('p', sessionFor()),
    store.get('p'),
    store.touch('p', sessionFor()),
    store.length(),
    store.ids(),
    store.all(),
    store.destroy('p'),
    store.clear(),
  ]
  for (const promise of pending) assert.instance(promise, Promise)
  await Promise.all(pending)
})

test('a function that throws before returning its Promise still calls back once, or rejects', async () => {
  const client = handle.client as unknown as { get(key: string): Promise<string | null> }
  // Checks its argument synchronously, as a plain function returning a client's Promise does.
  const read = callbackOrPromise((key: string): Promise<string | null> => {
    if (key === '') throw new TypeError('the key must not be empty')
    return client.get(key)
  })
  const calls: unknown[][] = []
  let thrownByCall: unknown
  const { uncaught, unhandled } = await escapes(() => {
    try {
      read('', (...args) => calls.push(args))
    } catch (error) {
      thrownByCall = error
    }
  })
  assert.is(thrownByCall, undefined)
  assert.is(calls.length, 1)
  assert.instance(calls[0]?.[0], TypeError)
  assert.equal([uncaught, unhandled], [[], []])

  let returned: unknown
  try {
    returned = read('')
  } catch (error) {
    returned = error
  }
  assert.instance(returned, Promise)
  const rejection = await (returned as Promise<unknown>).then(
    () => 'resolved',
    (error: unknown) => error,
  )
  assert.instance(rejection, TypeError)
})

test("a function that returns a plain value, or another library's thenable, calls back once with it, or resolves to it", async () => {
  const plain = callbackOrPromise((key: string) => `value of ${key}`)
  const thenable = callbackOrPromise(
    (key: string): PromiseLike<string> => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable of another library is what this test passes
      then: (resolve) => Promise.resolve(resolve?.(`later ${key}`)) as never,
    }),
  )
  for (const [adapted, expected] of [
    [plain, 'value of a'],
    [thenable, 'later a'],
  ] as const) {
    const calls: unknown[][] = []
    const { uncaught, unhandled } = await escapes(() => adapted('a', (...args) => calls.push(args)))
    assert.equal(calls, [[null, expected]])
    assert.equal([uncaught, unhandled], [[], []])
    assert.is(await adapted('a'), expected)
  }
})

test.run()
