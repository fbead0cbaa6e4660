import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createEncryptedSerializer,
  createRedisStore,
  jsonSerializer,
  RedisStore,
  type SessionRecord,
} from '../src/index.js'
import { connectClient } from './helpers/clients.js'
import { redisFor, type SuiteRedis } from './helpers/suite-redis.js'

// What connect-redis users read on its store, on both ways of making one: the same names, read-only.
const test = suite("connect-redis's properties on the store")
let redis: SuiteRedis
redisFor(test, (started) => {
  redis = started
})

const ttlOf = (session: SessionRecord) => (session.cookie.maxAge ? 60 : 120)
const makers = {
  createRedisStore: (options: Parameters<typeof createRedisStore>[0]) => createRedisStore(options),
  'new RedisStore': (options: Parameters<typeof createRedisStore>[0]) => new RedisStore(options),
}

for (const [name, make] of Object.entries(makers)) {
  test(`${name}: gives back the options as given, and connect-redis's defaults when none are`, () => {
    const client = redis.nodeRedis
    const defaults = make({ client })
    assert.is(defaults.client, client, 'the very client object')
    assert.equal(
      [defaults.prefix, defaults.ttl, defaults.scanCount, defaults.disableTouch, defaults.disableTTL],
      ['sess:', 86_400, 100, false, false],
    )
    assert.is(defaults.serializer, jsonSerializer)
    const serializer = createEncryptedSerializer({ secrets: ['a secret of at least thirty-two characters'] })
    const given = make({
      client,
      prefix: 'app:',
      ttl: ttlOf,
      scanCount: 500,
      serializer,
      disableTouch: true,
      disableTTL: true,
    })
    assert.equal(
      [given.prefix, given.ttl, given.scanCount, given.serializer, given.disableTouch, given.disableTTL],
      ['app:', ttlOf, 500, serializer, true, true],
    )
  })

  test(`${name}: refuses an assignment to any of them with a TypeError, and keeps the value`, () => {
    const store = make({ client: redis.nodeRedis, prefix: 'kept:' })
    for (const property of ['client', 'prefix', 'ttl', 'scanCount', 'serializer', 'disableTouch', 'disableTTL']) {
      const before = (store as unknown as Record<string, unknown>)[property]
      assert.throws(() => {
        ;(store as unknown as Record<string, unknown>)[property] = 'changed'
      }, TypeError)
      assert.is((store as unknown as Record<string, unknown>)[property], before, property)
    }
  })
}

test('store.client.quit() closes the client the app gave, as apps call it at shutdown', async () => {
  const handle = await connectClient('node-redis 4', redis.server)
  const store = createRedisStore({
    client: handle.client as unknown as { quit(): Promise<unknown> } & typeof handle.client,
  })
  await store.client.quit()
  assert.is((handle.client as unknown as { isOpen: boolean }).isOpen, false)
})

test.run()
