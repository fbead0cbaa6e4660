import { createRequire } from 'node:module'
import session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { typeCheck } from './helpers/type-check.js'

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

/** A CommonJS TypeScript project as older apps have it (`moduleResolution: node10`, which reads no exports map). */
const typeCheckAsNode10 = (source: string) =>
  typeCheck({ files: { 'app.ts': source }, compilerOptions: { module: 'commonjs', moduleResolution: 'node10' } })

test('both entries type-check in a CommonJS project with moduleResolution node10', async () => {
  const complaints = await typeCheckAsNode10(`
    import session = require('express-session')
    import connect = require('redis-session-store/connect')
    import { createRedisStore, RedisStore } from 'redis-session-store'
    const LegacyRedisStore = connect(session)
    export const stores = [LegacyRedisStore, RedisStore, createRedisStore]
  `)
  assert.is(complaints, '')
})

test.run()
