import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, RedisSessionStoreError, type SessionRecord } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite('a ttl function that throws or does not answer a number: ERR_SESSION_TTL, and nothing written')
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

const WRITES = ['set', 'expire', 'del', 'unlink', 'eval', 'evalsha']

/** How many write commands (the index's EVAL included) Redis ran during `work`. */
async function writesDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const counts = async () => Promise.all(WRITES.map((command) => redis.calls(command)))
  const before = await counts()
  await work()
  const after = await counts()
  return Object.fromEntries(WRITES.map((command, i) => [command, (after[i] ?? 0) - (before[i] ?? 0)]))
}
const NOTHING_WRITTEN = Object.fromEntries(WRITES.map((command) => [command, 0]))

async function rejection(call: Promise<unknown>): Promise<RedisSessionStoreError> {
  const error = await call.then(
    () => assert.unreachable('the call succeeded'),
    (e: unknown) => e,
  )
  assert.instance(error, RedisSessionStoreError)
  return error as RedisSessionStoreError
}

/**
 * set() and touch() with the answer of `ttl`, on a session already stored (by a store with a good ttl) and on one
 * that is not: each rejects with ERR_SESSION_TTL, sends no write, and leaves the stored value and its expiry as they were.
 */
async function refusedWith(ttl: (session: SessionRecord) => number): Promise<RedisSessionStoreError[]> {
  const prefix = uniquePrefix('ttl-fn')
  const good = createRedisStore({ client, prefix, ttl: 300 })
  const store = createRedisStore({ client, prefix, ttl, userId: (s) => (s as TestSession).user as string | undefined })
  await good.set('stored', sessionFor({ user: 'ada', n: 1 }))
  const stored = { value: await redis.get(`${prefix}stored`), expiresAt: await client.pExpireTime(`${prefix}stored`) }
  const errors: RedisSessionStoreError[] = []
  const calls = [
    () => store.set('stored', sessionFor({ user: 'ada', n: 2 })),
    () => store.touch('stored', sessionFor({ user: 'ada', n: 1 })),
    () => store.set('new', sessionFor({ user: 'ada' })),
    () => store.touch('new', sessionFor({ user: 'ada' })),
  ]
  for (const call of calls) {
    const sent = await writesDuring(async () => errors.push(await rejection(call())))
    assert.equal(sent, NOTHING_WRITTEN)
  }
  assert.equal(
    { value: await redis.get(`${prefix}stored`), expiresAt: await client.pExpireTime(`${prefix}stored`) },
    stored,
  )
  assert.is(await redis.exists(`${prefix}new`), false)
  assert.equal(await redis.keys().then((keys) => keys.filter((key) => key.includes(prefix)).sort()), [
    `${prefix}stored`,
  ])
  for (const error of errors) assert.is(error.code, 'ERR_SESSION_TTL')
  return errors
}

test('a ttl function that throws: the error is the cause', async () => {
  const thrown = new RangeError('no ttl for this session')
  const errors = await refusedWith(() => {
    throw thrown
  })
  for (const error of errors) {
    assert.is(error.cause, thrown)
    assert.match(error.message, /^redis-session-store: the ttl function threw/)
  }
})

const notSeconds: Array<[label: string, answer: unknown, described: string]> = [
  ['NaN', Number.NaN, 'NaN'],
  ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
  ['-Infinity', Number.NEGATIVE_INFINITY, '-Infinity'],
  ['undefined', undefined, 'undefined'],
  // Math.ceil would make these 0 (delete the session), 60 and 1: the README promises ERR_SESSION_TTL for a non-number.
  ['null', null, 'null'],
  ['a numeric string', '60', '"60"'],
  ['true', true, 'true'],
  ['an object', { seconds: 60 }, 'a plain object'],
]

for (const [label, answer, described] of notSeconds) {
  test(`a ttl function that answers ${label}: the message says what it answered`, async () => {
    const errors = await refusedWith(() => answer as number)
    for (const error of errors) {
      assert.is(error.message, `redis-session-store: the ttl function returned ${described} instead of seconds`)
    }
  })
}

test('the same store saves and touches once the function answers a number', async () => {
  let answer: unknown = Number.NaN
  const prefix = uniquePrefix('ttl-fn')
  const store = createRedisStore({ client, prefix, ttl: () => answer as number })
  assert.is((await rejection(store.set('s', sessionFor()))).code, 'ERR_SESSION_TTL')
  answer = 120
  await store.set('s', sessionFor())
  assert.is(await redis.ttl(`${prefix}s`), 120)
  answer = 'soon'
  assert.is((await rejection(store.touch('s', sessionFor()))).code, 'ERR_SESSION_TTL')
  answer = 600.2
  await store.touch('s', sessionFor())
  assert.is(await redis.ttl(`${prefix}s`), 601)
})

test.run()
