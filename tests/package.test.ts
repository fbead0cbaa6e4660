import { createRequire } from 'node:module'
import session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// The built package, through its own exports map, as users load it (npm test builds first).
const require = createRequire(import.meta.url)
const test = suite('the published package')

const PUBLIC_NAMES = ['createRedisStore', 'RedisStore', 'keyFor', 'ttlFor', 'encode', 'decode', 'scanKeys']

test('named exports load with import, and there is no default export', async () => {
  const esm = await import('redis-session-store')
  for (const name of PUBLIC_NAMES) assert.type((esm as Record<string, unknown>)[name], 'function', name)
  assert.not.ok('default' in esm)
})

test('the same named exports load with require', () => {
  const cjs = require('redis-session-store')
  for (const name of PUBLIC_NAMES) assert.type(cjs[name], 'function', name)
  assert.is(cjs.default, undefined)
})

test("redis-session-store/connect is connect-redis's old entry: require(...)(session) gives the class", () => {
  const connect = require('redis-session-store/connect')
  assert.type(connect, 'function')
  const LegacyRedisStore = connect(session)
  assert.is(LegacyRedisStore.prototype instanceof session.Store, true)
  assert.throws(() => new LegacyRedisStore({ client: {} }), /option "client" must be/)
})

test.run()
