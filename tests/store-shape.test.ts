import { EventEmitter } from 'node:events'
import session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, RedisStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const test = suite('the store object')
let handle: ClientHandle
redisFor(test, (started) => {
  handle = started.handle
})

test("is an express-session Store and an EventEmitter, with the base class's methods", () => {
  const store = createRedisStore({ client: handle.client })
  assert.instance(store, session.Store)
  assert.instance(store, EventEmitter)
  for (const method of ['load', 'regenerate'] as const) {
    assert.is(store[method], session.Store.prototype[method])
  }
  // Its own, so that req.session carries what the request loaded; the Session is still the base class's.
  assert.is.not(store.createSession, session.Store.prototype.createSession)
})

test('lets express-session assign generate, and its own methods be replaced', () => {
  const store = createRedisStore({ client: handle.client }) as ReturnType<typeof createRedisStore> & {
    generate?: () => void
  }
  const generate = () => {}
  store.generate = generate
  assert.is(store.generate, generate)
  const get = store.get
  store.get = get
  assert.is(store.get, get)
})

test("load() from the base class turns a stored session into express-session's Session", async () => {
  const prefix = uniquePrefix('shape')
  const store = createRedisStore({ client: handle.client, prefix })
  await store.set('loaded', sessionFor({ user: 'ada' }, { maxAge: 60_000, expires: new Date(Date.now() + 60_000) }))
  const loaded = await new Promise<unknown>((resolve, reject) =>
    store.load('loaded', (error, value) => (error ? reject(error) : resolve(value))),
  )
  assert.instance(loaded, session.Session)
  assert.is((loaded as { user?: string }).user, 'ada')
})

test("RedisStore has connect-redis v8+'s constructor and builds the same store", async () => {
  const prefix = uniquePrefix('class')
  const store = new RedisStore({ client: handle.client, prefix })
  assert.instance(store, RedisStore)
  assert.instance(store, session.Store)
  await store.set('c', sessionFor())
  assert.equal(await createRedisStore({ client: handle.client, prefix }).ids(), ['c'])
})

test('refuses a missing or unrecognised client, saying what was passed and what is accepted', () => {
  for (const client of [undefined, null, {}, 'redis://localhost', { get() {}, set() {} }]) {
    assert.throws(
      () => createRedisStore({ client: client as never }),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.includes('"client"') &&
        error.message.includes('node-redis') &&
        error.message.includes('ioredis') &&
        error.message.includes('received'),
    )
  }
})

test.run()
