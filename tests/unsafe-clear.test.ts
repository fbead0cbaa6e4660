import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

// A server of its own: with an empty prefix, clear() is allowed to empty the whole database.
const test = suite('clear() with an empty prefix')
let handle: ClientHandle
let redis: Inspector
redisFor(test, (started) => ({ handle, redis } = started))

test('refuses with ERR_UNSAFE_CLEAR, as a promise and through a callback, and deletes nothing', async () => {
  const store = createRedisStore({ client: handle.client, prefix: '' })
  await redis.set('not-a-session', 'precious')
  await store.set('s1', sessionFor())
  const rejected = await store.clear().catch((e: unknown) => e)
  assert.is((rejected as { code?: string }).code, 'ERR_UNSAFE_CLEAR')
  assert.match((rejected as Error).message, 'allowClearWithEmptyPrefix')
  const calledBack = await new Promise((resolve) => store.clear(resolve))
  assert.is((calledBack as { code?: string }).code, 'ERR_UNSAFE_CLEAR')
  assert.equal((await redis.keys()).sort(), ['not-a-session', 's1'])
})

test('with allowClearWithEmptyPrefix, deletes every key in the database', async () => {
  const store = createRedisStore({ client: handle.client, prefix: '', allowClearWithEmptyPrefix: true })
  await redis.set('not-a-session', 'gone too')
  await store.set('s2', sessionFor())
  await store.clear()
  assert.equal(await redis.keys(), [])
})

test('a non-empty prefix needs no permission', async () => {
  const store = createRedisStore({ client: handle.client, prefix: 'p:' })
  await redis.set('other', 'kept')
  await store.set('s3', sessionFor())
  await store.clear()
  assert.equal(await redis.keys(), ['other'])
})

test.run()
