import { tracingChannel } from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { TRACED_METHODS } from '../src/store/tracing.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

const TIMEOUT = 150
const LATE_WINDOW_MS = TIMEOUT + 250
const SID = 'sid-Kq3v9ZtSecretCredential'
const OTHER_SID = 'sid-Wm7pLx2OtherCredential'

/** One event published on a store channel: the method, the event, and a copy of the context as it was then. */
interface Published {
  method: string
  event: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'
  context: Record<string, unknown>
}

/** Subscribes to every store channel, as an APM tool would, until `stop()`. */
function listen() {
  const published: Published[] = []
  const unsubscribers = TRACED_METHODS.map((method) => {
    const channel = tracingChannel(`redis-session-store:${method}`)
    const record = (event: Published['event']) => (context: object) => {
      published.push({ method, event, context: { ...context } as Record<string, unknown> })
    }
    const handlers = {
      start: record('start'),
      end: record('end'),
      asyncStart: record('asyncStart'),
      asyncEnd: record('asyncEnd'),
      error: record('error'),
    }
    channel.subscribe(handlers)
    return () => channel.unsubscribe(handlers)
  })
  const stop = () => {
    for (const unsubscribe of unsubscribers) unsubscribe()
  }
  return { published, stop }
}

const userOf = (session: unknown) => (session as TestSession).user as string | undefined

type Call = (store: RedisSessionStore, callback?: (error: unknown) => void) => unknown

/** Each traced method with arguments that succeed on a store holding SID of ada. */
const everyMethod: Array<[string, Call]> = [
  ['get', (store, done) => (done ? store.get(SID, done) : store.get(SID))],
  [
    'set',
    (store, done) =>
      done
        ? store.set(OTHER_SID, sessionFor({ user: 'ada' }), done)
        : store.set(OTHER_SID, sessionFor({ user: 'ada' })),
  ],
  [
    'touch',
    (store, done) =>
      done ? store.touch(SID, sessionFor({ user: 'ada' }), done) : store.touch(SID, sessionFor({ user: 'ada' })),
  ],
  ['length', (store, done) => (done ? store.length(done) : store.length())],
  ['ids', (store, done) => (done ? store.ids(done) : store.ids())],
  ['all', (store, done) => (done ? store.all(done) : store.all())],
  ['userSessions', (store, done) => (done ? store.userSessions('ada', done) : store.userSessions('ada'))],
  [
    'destroyUserSessions',
    (store, done) =>
      done
        ? store.destroyUserSessions('ada', { except: SID }, done)
        : store.destroyUserSessions('ada', { except: SID }),
  ],
  [
    'rewriteOutdated',
    (store, done) => (done ? store.rewriteOutdated(sessionFor(), done) : store.rewriteOutdated(sessionFor())),
  ],
  ['destroy', (store, done) => (done ? store.destroy(OTHER_SID, done) : store.destroy(OTHER_SID))],
  ['clear', (store, done) => (done ? store.clear(done) : store.clear())],
]

const calledBack = (store: RedisSessionStore, call: Call) =>
  new Promise<unknown>((resolve) => call(store, (error) => resolve(error ?? null)))

const settled = (store: RedisSessionStore, call: Call) =>
  (call(store) as Promise<unknown>).then(
    () => null,
    (error: unknown) => error,
  )

const eventsOf = (published: Published[], method: string) =>
  published.filter((entry) => entry.method === method).map((entry) => entry.event)

/** No session id in any context of any event, in any field, however deep. */
function assertNoSessionId(published: Published[]): void {
  const text = JSON.stringify(published.map(({ context }) => ({ ...context, error: String(context.error) })))
  for (const sid of [SID, OTHER_SID]) assert.not.ok(text.includes(sid), `a context carries ${sid}: ${text}`)
}

const test = suite('tracing channels: redis-session-store:<method>')
let redis: ServerProcess | undefined
let handle: ClientHandle | undefined
let prefix = ''

async function storeWithSession(): Promise<RedisSessionStore> {
  handle = await connectClient('node-redis 6', redis as ServerProcess)
  prefix = uniquePrefix('trace')
  const store = createRedisStore({ client: handle.client, prefix, timeout: TIMEOUT, userId: userOf })
  await store.set(SID, sessionFor({ user: 'ada' }))
  return store
}

test.before(async () => {
  redis = await startRedis()
})
test.after(async () => {
  await redis?.stop()
})
test.after.each(async () => {
  await handle?.close()
  handle = undefined
})

for (const style of ['promise', 'callback'] as const) {
  test(`every method publishes start, end, asyncStart, asyncEnd with its name and prefix (${style} calls)`, async () => {
    const store = await storeWithSession()
    const { published, stop } = listen()
    try {
      for (const [method, call] of everyMethod) {
        const error = style === 'promise' ? await settled(store, call) : await calledBack(store, call)
        assert.is(error, null, `${method}(): ${String(error)}`)
        assert.equal(eventsOf(published, method), ['start', 'end', 'asyncStart', 'asyncEnd'], method)
      }
    } finally {
      stop()
    }
    for (const { method, context } of published) {
      assert.is(context.operation, method)
      assert.is(context.prefix, prefix)
    }
    assertNoSessionId(published)
  })
}

test('get says hit or miss on asyncStart, and keeps it out of start', async () => {
  const store = await storeWithSession()
  const { published, stop } = listen()
  try {
    await store.get(SID)
    await new Promise((resolve) => store.get('sid-NotStoredAnywhere', resolve))
  } finally {
    stop()
  }
  const outcomes = published
    .filter((entry) => entry.method === 'get')
    .map((entry) => [entry.event, entry.context.outcome])
  assert.equal(outcomes, [
    ['start', undefined],
    ['end', undefined],
    ['asyncStart', 'hit'],
    ['asyncEnd', 'hit'],
    ['start', undefined],
    ['end', undefined],
    ['asyncStart', 'miss'],
    ['asyncEnd', 'miss'],
  ])
})

test('a call that times out publishes error and asyncEnd once, and nothing when its late reply arrives', async () => {
  const store = await storeWithSession()
  const { published, stop } = listen()
  const server = redis as ServerProcess
  let errors: unknown[]
  server.freeze()
  try {
    errors = await Promise.all([
      settled(store, everyMethod[0]?.[1] as Call),
      calledBack(store, everyMethod[1]?.[1] as Call),
    ])
  } finally {
    server.thaw()
  }
  await store.length()
  await sleep(LATE_WINDOW_MS)
  stop()
  for (const error of errors) assert.is(codeOf(error), 'ERR_STORE_TIMEOUT')
  for (const method of ['get', 'set']) {
    assert.equal(eventsOf(published, method), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'], method)
    const failed = published.find((entry) => entry.method === method && entry.event === 'error')
    assert.is(codeOf(failed?.context.error), 'ERR_STORE_TIMEOUT')
  }
  assertNoSessionId(published)
})

test('a call refused while the client is not connected publishes error, promise and callback alike', async () => {
  const store = await storeWithSession()
  const server = redis as ServerProcess
  await server.kill()
  const { published, stop } = listen()
  let errors: unknown[]
  try {
    await waitFor(
      'the client to notice',
      () => settled(store, everyMethod[0]?.[1] as Call).then((e) => codeOf(e) === 'ERR_STORE_NOT_CONNECTED'),
      {
        timeoutMs: 15_000,
        intervalMs: 20,
      },
    )
    published.length = 0
    errors = await Promise.all(
      everyMethod.map(([, call], i) => (i % 2 ? calledBack(store, call) : settled(store, call))),
    )
  } finally {
    stop()
    await server.restart()
  }
  for (const error of errors) assert.is(codeOf(error), 'ERR_STORE_NOT_CONNECTED')
  for (const [method] of everyMethod) {
    assert.equal(eventsOf(published, method), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'], method)
  }
  assertNoSessionId(published)
})

/** What each settled call of `method` told on asyncEnd, in order. */
const outcomesOf = (published: Published[], method: string) =>
  published
    .filter((entry) => entry.method === method && entry.event === 'asyncEnd')
    .map((entry) => entry.context.outcome)

test('set says written, merged or conflict, and stale for a session destroyed since it was loaded', async () => {
  const store = await storeWithSession()
  const { published, stop } = listen()
  try {
    await store.set(OTHER_SID, sessionFor({ user: 'ada' }))
    const [first, second] = (await Promise.all([store.get(SID), store.get(SID)])) as TestSession[]
    Object.assign(first as TestSession, { theme: 'dark' })
    Object.assign(second as TestSession, { lang: 'en' })
    await store.set(SID, first as TestSession)
    await store.set(SID, second as TestSession)
    const [third, fourth] = (await Promise.all([store.get(SID), store.get(SID)])) as TestSession[]
    Object.assign(third as TestSession, { theme: 'light' })
    Object.assign(fourth as TestSession, { theme: 'blue' })
    await store.set(SID, third as TestSession)
    await new Promise((resolve) => store.set(SID, fourth as TestSession, resolve))
    const loaded = (await store.get(OTHER_SID)) as TestSession
    await store.destroy(OTHER_SID)
    await store.set(OTHER_SID, Object.assign(loaded, { theme: 'gone' }))
  } finally {
    stop()
  }
  assert.equal(outcomesOf(published, 'set'), ['written', 'written', 'merged', 'written', 'conflict', 'stale'])
  assertNoSessionId(published)
})

test('touch says touched, or skipped while lazy touch finds the expiry close enough', async () => {
  handle = await connectClient('node-redis 6', redis as ServerProcess)
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('trace'), touchAfter: 60 })
  const { published, stop } = listen()
  try {
    await store.set(SID, sessionFor({ user: 'ada' }, { originalMaxAge: 60_000, maxAge: 60_000 }))
    const loaded = (await store.get(SID)) as TestSession
    await store.touch(SID, loaded)
    const other = createRedisStore({ client: handle.client, prefix: uniquePrefix('trace') })
    await other.set(OTHER_SID, sessionFor())
    await new Promise((resolve) => other.touch(OTHER_SID, sessionFor(), resolve))
  } finally {
    stop()
  }
  assert.equal(outcomesOf(published, 'touch'), ['skipped', 'touched'])
})

test('set and touch say deleted for a session whose cookie has expired', async () => {
  const store = await storeWithSession()
  const expired = () => sessionFor({ user: 'ada' }, { expires: new Date(Date.now() - 1000).toISOString() })
  const { published, stop } = listen()
  try {
    await store.touch(SID, expired())
    await store.set(OTHER_SID, expired())
  } finally {
    stop()
  }
  assert.equal(outcomesOf(published, 'touch'), ['deleted'])
  assert.equal(outcomesOf(published, 'set'), ['deleted'])
  assert.is(await store.get(SID), null)
})

test('set and touch answer their callers nothing, traced or not', async () => {
  const store = await storeWithSession()
  const answers: unknown[] = [await store.set(OTHER_SID, sessionFor()), await store.touch(SID, sessionFor())]
  const { stop } = listen()
  try {
    answers.push(await store.set(OTHER_SID, sessionFor()), await store.touch(SID, sessionFor()))
    answers.push(await new Promise((resolve) => store.set(OTHER_SID, sessionFor(), (_, value) => resolve(value))))
  } finally {
    stop()
  }
  answers.push(await new Promise((resolve) => store.touch(SID, sessionFor(), (_, value) => resolve(value))))
  assert.equal(answers, [undefined, undefined, undefined, undefined, undefined, undefined])
})

test("the Koa view publishes on the same channels, its context saying view: 'koa'", async () => {
  handle = await connectClient('node-redis 6', redis as ServerProcess)
  prefix = uniquePrefix('trace')
  const store = createRedisStore({ client: handle.client, prefix })
  const { published, stop } = listen()
  const ctx = {}
  try {
    assert.is(await store.koa.get(SID, undefined, { ctx }), null)
    await store.koa.set(SID, { views: 1, _expire: Date.now() + 60_000, _maxAge: 60_000 }, 70_000, { ctx })
    assert.ok(await store.koa.get(SID, undefined, { ctx }))
    await store.koa.destroy(SID, { ctx })
  } finally {
    stop()
  }
  assert.equal(
    published.filter((entry) => entry.event === 'asyncEnd').map((entry) => [entry.method, entry.context.outcome]),
    [
      ['get', 'miss'],
      ['set', 'written'],
      ['get', 'hit'],
      ['destroy', undefined],
    ],
  )
  for (const { context } of published) {
    assert.is(context.view, 'koa')
    assert.is(context.prefix, prefix)
  }
  assertNoSessionId(published)
})

test.run()
