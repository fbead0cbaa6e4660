import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite('a session id that is not a non-empty string: a TypeError, and no command sent')
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

/** Every command the server has run since it started, but the INFO that asks. */
async function commandsRun(): Promise<number> {
  const stats = await redis.info('commandstats')
  let total = 0
  for (const [, command, calls] of stats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
    if (command !== 'info') total += Number(calls)
  }
  return total
}

const SECRET = 's3cret-session-id'
const invalidSids: Array<[label: string, sid: unknown]> = [
  ['an empty string', ''],
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['a plain object', { sid: SECRET }],
  ['an array', [SECRET]],
  ['a Buffer', Buffer.from(SECRET)],
  ['a String object', new String(SECRET)],
]

const MESSAGE = /^redis-session-store: the session id must be a non-empty string; received /

const methods: Array<[name: string, call: (store: RedisSessionStore, sid: unknown, ...rest: unknown[]) => unknown]> = [
  ['get', (store, sid, ...rest) => (store.get as (...args: unknown[]) => unknown)(sid, ...rest)],
  ['set', (store, sid, ...rest) => (store.set as (...args: unknown[]) => unknown)(sid, sessionFor(), ...rest)],
  ['touch', (store, sid, ...rest) => (store.touch as (...args: unknown[]) => unknown)(sid, sessionFor(), ...rest)],
  ['destroy', (store, sid, ...rest) => (store.destroy as (...args: unknown[]) => unknown)(sid, ...rest)],
]

function assertSidError(error: unknown, label: string): void {
  assert.instance(error, TypeError, label)
  const { message } = error as TypeError
  assert.match(message, MESSAGE, label)
  assert.not.match(message, SECRET, `${label}: the message must not echo the value`)
}

for (const [name, call] of methods) {
  test(`${name}() rejects each one as a Promise, and with a callback calls back with it`, async () => {
    const store = createRedisStore({ client, prefix: uniquePrefix('sid') })
    const before = await commandsRun()
    for (const [label, sid] of invalidSids) {
      const rejected = await (call(store, sid) as Promise<unknown>).then(
        () => assert.unreachable(`${label} was accepted`),
        (error: unknown) => error,
      )
      assertSidError(rejected, label)
      const calls: unknown[][] = []
      const returned = call(store, sid, (...args: unknown[]) => calls.push(args))
      assert.is(returned, undefined)
      await new Promise((resolve) => setTimeout(resolve, 10))
      assert.is(calls.length, 1, label)
      assertSidError(calls[0]?.[0], label)
    }
    assert.is(await commandsRun(), before, 'no command reached Redis')
  })
}

test('a valid id on the same store still sends its command', async () => {
  const prefix = uniquePrefix('sid')
  const store = createRedisStore({ client, prefix })
  const before = await commandsRun()
  await store.set('ok', sessionFor())
  assert.is(await commandsRun(), before + 1)
  assert.equal(await store.get('ok'), sessionFor())
})

test.run()
