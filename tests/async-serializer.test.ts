import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type Serializer } from '../src/index.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

// get() decodes synchronously when it can; a serializer that answers later must still be awaited and judged.
const test = suite('get() with a serializer that answers asynchronously')
let client: NodeRedisClient

const later: Serializer = {
  stringify: (session) => JSON.stringify(session),
  parse: async (text) => {
    await new Promise((resolve) => setTimeout(resolve, 1))
    return JSON.parse(text)
  },
}

redisFor(test, (started) => ({ nodeRedis: client } = started))

test('returns the session once the parse has resolved', async () => {
  const store = createRedisStore({ client, prefix: uniquePrefix('async'), serializer: later })
  await store.set('a', sessionFor({ user: 'ada' }))
  assert.equal(await store.get('a'), sessionFor({ user: 'ada' }))
})

test('treats a parse that rejects as a missing session by default, and reports it', async () => {
  const prefix = uniquePrefix('async')
  const store = createRedisStore({ client, prefix, serializer: later })
  const reported: unknown[] = []
  store.on('corruptSession', (error) => reported.push(error))
  await client.set(`${prefix}bad`, 'not json')
  assert.is(await store.get('bad'), null)
  assert.is((reported[0] as { code?: string }).code, 'ERR_SESSION_DECODE')
})

test("with onCorruptSession 'fail', rejects with the decode error and deletes a value that is no session", async () => {
  const prefix = uniquePrefix('async')
  const store = createRedisStore({ client, prefix, serializer: later, onCorruptSession: 'fail' })
  await client.set(`${prefix}bad`, '{"no":"cookie"}')
  const error = await store.get('bad').catch((e: unknown) => e)
  assert.is((error as { code?: string }).code, 'ERR_SESSION_DECODE')
  assert.is(await client.exists(`${prefix}bad`), 0)
})

test.run()
