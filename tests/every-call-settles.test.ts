import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, DEFAULT_TIMEOUT, type RedisSessionStore, RedisSessionStoreError } from '../src/index.js'
import {
  CLIENT_LIBRARIES,
  type ClientHandle,
  type ClientLibrary,
  connectClient,
  LAZY_CONNECT_LIBRARIES,
  readyOnConnect,
  startClient,
} from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import {
  type BlackHole,
  type ServerProcess,
  type SilentServer,
  startBlackHole,
  startRedis,
  startSilentServer,
} from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

const TIMEOUT = 250
// The deadline rejects a call within two of its 10 ms ticks after the timeout (deadline.ts); the rest is for a
// loaded machine's event loop. A fixed slack, not a multiple: a deadline that runs late by a tick more than
// that fails.
const SLACK = 150

type Callback = (error: unknown, value?: unknown) => void
type Style = 'a Promise' | 'a callback'

/** Every method under the deadline, with arguments it accepts (the user-sessions ones need the userId option). */
const METHODS: Array<[name: Extract<keyof RedisSessionStore, string>, args: unknown[]]> = [
  ['get', ['s1']],
  ['set', ['s2', sessionFor({ user: 'ada' })]],
  ['touch', ['s1', sessionFor({ user: 'ada' })]],
  ['destroy', ['s2']],
  ['length', []],
  ['ids', []],
  ['all', []],
  ['clear', []],
  ['userSessions', ['ada']],
  ['destroyUserSessions', ['ada', { except: 's1' }]],
]

/** How one call settled, and how long after it was made; `ms` is Infinity for a call that had not settled. */
interface Settled {
  operation: string
  call: string
  ms: number
  error: unknown
}

/**
 * Calls the method and times it until it settles. A call still pending at `hangMs` counts as not settled, so
 * that a call that hangs fails its test at once, by name, rather than at the test runner's limit.
 */
function timed(store: RedisSessionStore, [name, args]: (typeof METHODS)[number], style: Style, hangMs: number) {
  const method = store[name] as unknown as (...args: unknown[]) => Promise<unknown> | undefined
  const call = `${name}() with ${style}`
  return new Promise<Settled>((resolve) => {
    const started = performance.now()
    const settle = (error: unknown, ms = performance.now() - started) => {
      clearTimeout(timer)
      resolve({ operation: name, call, ms, error })
    }
    const timer = setTimeout(() => settle(undefined, Number.POSITIVE_INFINITY), hangMs)
    if (style === 'a callback') method.call(store, ...args, ((error) => settle(error)) satisfies Callback)
    else method.call(store, ...args)?.then(() => settle(null), settle)
  })
}

/** Every method called at once, each with a Promise and each with a callback. */
const everyCallAtOnce = (store: RedisSessionStore, hangMs: number) =>
  Promise.all(
    (['a Promise', 'a callback'] as const).flatMap((style) =>
      METHODS.map((method) => timed(store, method, style, hangMs)),
    ),
  )

/** Every method, one after the other, with a Promise and then with a callback. */
async function everyCallInTurn(store: RedisSessionStore, hangMs: number): Promise<Settled[]> {
  const settled: Settled[] = []
  for (const style of ['a Promise', 'a callback'] as const)
    for (const method of METHODS) settled.push(await timed(store, method, style, hangMs))
  return settled
}

interface Expected {
  /** The one code every call rejects with; null: every call succeeds. */
  code: 'ERR_STORE_TIMEOUT' | 'ERR_STORE_NOT_CONNECTED' | null
  /** No call settles sooner than this (a deadline does not expire early). */
  atLeastMs?: number
  /** Every call settles within this. */
  withinMs: number
}

function assertSettled(settled: Settled[], { code, atLeastMs = 0, withinMs }: Expected): void {
  for (const { operation, call, ms, error } of settled) {
    const late = ms === Number.POSITIVE_INFINITY ? 'did not settle' : `settled after ${Math.round(ms)} ms, not`
    assert.ok(ms <= withinMs, `${call} ${late} within ${withinMs} ms`)
    assert.ok(ms >= atLeastMs, `${call} settled after ${ms.toFixed(1)} ms, sooner than ${atLeastMs} ms`)
    if (code === null) {
      assert.is(error, null, `${call} failed: ${String(error)}`)
      continue
    }
    assert.instance(error, RedisSessionStoreError, `${call} failed with ${String(error)}`)
    assert.is((error as RedisSessionStoreError).code, code, `${call}: ${String(error)}`)
    assert.match((error as Error).message, `${operation}()`, call)
  }
}

/** The median and the slowest settle time of the calls, for the test's output. */
function report(library: ClientLibrary, what: string, settled: Settled[]): void {
  const times = settled.map(({ ms }) => ms).sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN
  const slowest = times.at(-1) ?? Number.NaN
  console.log(
    `    ${library}, ${what}: ${times.length} calls, median ${median.toFixed(1)} ms, max ${slowest.toFixed(1)} ms`,
  )
}

const userOf = (session: unknown) => (session as TestSession).user as string | undefined
const storeOn = (handle: ClientHandle, timeout?: number) =>
  createRedisStore({
    client: handle.client,
    prefix: uniquePrefix('settles'),
    userId: userOf,
    ...(timeout === undefined ? {} : { timeout }),
  })

/**
 * What a call gets while the client makes its first connection and cannot finish it. The tests' ioredis-family
 * clients are created with lazyConnect (then told to connect): during that first connection the store lets calls
 * wait in the client's queue, under its timeout. Other clients are refused at once.
 */
const whileFirstConnecting = (library: ClientLibrary): Expected =>
  (LAZY_CONNECT_LIBRARIES as readonly string[]).includes(library)
    ? { code: 'ERR_STORE_TIMEOUT', atLeastMs: TIMEOUT, withinMs: TIMEOUT + SLACK }
    : { code: 'ERR_STORE_NOT_CONNECTED', withinMs: TIMEOUT }

function settleSuite(library: ClientLibrary, servers: () => Servers) {
  const test = suite(`every call settles within the timeout, ${library}`)
  const handles: ClientHandle[] = []
  const start = (...args: Parameters<typeof startClient>) => {
    const handle = startClient(...args)
    handles.push(handle)
    return handle
  }
  test.after.each(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.close()))
  })

  test('rejects every call at once with ERR_STORE_NOT_CONNECTED (or, on a lazy first connection, at the timeout) while the client waits for the handshake answer of a server that never answers', async () => {
    const { silent } = servers()
    const accepted = silent.accepted
    const handle = start(library, silent)
    await waitFor('the silent server to accept the connection', () => silent.accepted > accepted, { intervalMs: 5 })
    const settled = await everyCallAtOnce(storeOn(handle, TIMEOUT), TIMEOUT + 2 * SLACK)
    report(library, 'silent server, handshake unanswered', settled)
    assertSettled(settled, whileFirstConnecting(library))
  })

  test('rejects every call with ERR_STORE_TIMEOUT, no sooner than the timeout and at most 150 ms after it, on a ready connection to a server that never answers', async () => {
    const handle = start(library, servers().silent, readyOnConnect(library))
    await handle.connected
    const settled = await everyCallAtOnce(storeOn(handle, TIMEOUT), TIMEOUT + 2 * SLACK)
    report(library, 'silent server, client ready', settled)
    assertSettled(settled, { code: 'ERR_STORE_TIMEOUT', atLeastMs: TIMEOUT, withinMs: TIMEOUT + SLACK })
  })

  test('rejects every call at once with ERR_STORE_NOT_CONNECTED (or, on a lazy first connection, at the timeout) while the client waits for the TCP handshake of an address that never answers', async () => {
    const { blackHole } = servers()
    for (const [options, what] of [
      [{}, 'default options'],
      [readyOnConnect(library), 'no handshake'],
    ] as const) {
      const handle = start(library, blackHole, options)
      let connected = false
      handle.connected.then(
        () => {
          connected = true
        },
        () => {},
      )
      const settled = await everyCallAtOnce(storeOn(handle, TIMEOUT), TIMEOUT + 2 * SLACK)
      report(library, `black hole, ${what}`, settled)
      assert.not.ok(connected, 'the client connected to the black hole')
      assertSettled(settled, whileFirstConnecting(library))
    }
  })

  test('settles every call with its result, with no option set, against a healthy Redis', async () => {
    const handle = await connectClient(library, servers().redis)
    handles.push(handle)
    const store = storeOn(handle)
    await store.set('s1', sessionFor({ user: 'ada' }))
    // The bound catches a call that hangs; how fast the calls are is not this test's business.
    const settled = await everyCallInTurn(store, DEFAULT_TIMEOUT + 2 * SLACK)
    report(library, 'healthy Redis', settled)
    assertSettled(settled, { code: null, withinMs: DEFAULT_TIMEOUT + SLACK })
  })

  return test
}

interface Servers {
  silent: SilentServer
  blackHole: BlackHole
  redis: ServerProcess
}

let servers: Servers | undefined
const suites = CLIENT_LIBRARIES.map((library) => settleSuite(library, () => servers as Servers))
suites[0]?.before(async () => {
  const [silent, blackHole, redis] = await Promise.all([startSilentServer(), startBlackHole(), startRedis()])
  servers = { silent, blackHole, redis }
})
suites.at(-1)?.after(async () => {
  await Promise.all([servers?.silent.close(), servers?.blackHole.close(), servers?.redis.stop()])
})
for (const test of suites) test.run()
