import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { type IsolatedPackage, isolatedPackage } from './helpers/isolated-package.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

const run = promisify(execFile)

// Each probe loads the built package in a fresh Node.js process, uses the store on Redis and reports what it saw.
const ESM_PROBE = `
import { createClient } from 'redis'
import { createRedisStore, RedisStore } from 'redis-session-store'
const client = createClient({ url: process.env.REDIS_URL })
await client.connect()
const prefix = process.env.PREFIX
const store = createRedisStore({ client, prefix })
const instance = new RedisStore({ client, prefix: 'class-' + prefix })
await store.set('sid-1', { cookie: { originalMaxAge: null }, user: 'ada' })
await instance.set('sid-2', { cookie: { originalMaxAge: null }, user: 'bob' })
console.log(JSON.stringify({
  base: Object.getPrototypeOf(store).constructor.name,
  classBase: Object.getPrototypeOf(Object.getPrototypeOf(instance)).constructor.name,
  read: await store.get('sid-1'),
  length: await store.length(),
}))
await client.close()
`
const CJS_PROBE = `
const { createClient } = require('redis')
const { createRedisStore } = require('redis-session-store')
;(async () => {
  const client = createClient({ url: process.env.REDIS_URL })
  await client.connect()
  const store = createRedisStore({ client, prefix: process.env.PREFIX })
  await store.set('sid-1', { cookie: { originalMaxAge: null }, user: 'ada' })
  console.log(JSON.stringify({
    base: Object.getPrototypeOf(store).constructor.name,
    read: await store.get('sid-1'),
    loadedExpressSession: Object.keys(require.cache).some((file) => file.includes('express-session')),
  }))
  await client.close()
})()
`

interface Context {
  server: ServerProcess
  redis: Inspector
  bare: IsolatedPackage
  withExpressSession: IsolatedPackage
}

async function probe(dir: string, file: string, source: string, env: Record<string, string>) {
  await writeFile(join(dir, file), source)
  const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env } })
  return JSON.parse(stdout)
}

const test = suite<Context>('the built package without express-session installed')

test.before(async (context) => {
  context.server = await startRedis()
  context.redis = await standaloneInspector(context.server)
  context.bare = await isolatedPackage(['redis'])
  context.withExpressSession = await isolatedPackage(['redis', 'express-session'])
})
test.after(async ({ server, redis, bare, withExpressSession }) => {
  await bare?.remove()
  await withExpressSession?.remove()
  await redis?.close()
  await server?.stop()
})

test('has no express-session to find from where it is installed', ({ bare }) => {
  const requireFromPackage = createRequire(join(bare.dir, 'node_modules/redis-session-store/package.json'))
  assert.throws(() => requireFromPackage.resolve('express-session'), /Cannot find module 'express-session'/)
})

test('stores and reads sessions through import, on a plain EventEmitter base', async ({ server, redis, bare }) => {
  const prefix = uniquePrefix('bare-esm')
  const seen = await probe(bare.dir, 'probe.mjs', ESM_PROBE, { REDIS_URL: server.url, PREFIX: prefix })
  assert.equal(seen, {
    base: 'EventEmitter',
    classBase: 'EventEmitter',
    read: { cookie: { originalMaxAge: null }, user: 'ada' },
    length: 1,
  })
  assert.ok(await redis.exists(`${prefix}sid-1`))
  assert.ok(await redis.exists(`class-${prefix}sid-2`))
})

test('stores and reads sessions through require, without loading express-session', async ({ server, bare }) => {
  const seen = await probe(bare.dir, 'probe.cjs', CJS_PROBE, {
    REDIS_URL: server.url,
    PREFIX: uniquePrefix('bare-cjs'),
  })
  assert.equal(seen, {
    base: 'EventEmitter',
    read: { cookie: { originalMaxAge: null }, user: 'ada' },
    loadedExpressSession: false,
  })
})

// The same probes tell the two cases apart: with express-session beside it, the store extends its Store.
test("extends express-session's Store when express-session is installed beside it", async (context) => {
  const env = { REDIS_URL: context.server.url, PREFIX: uniquePrefix('with-es') }
  const esm = await probe(context.withExpressSession.dir, 'probe.mjs', ESM_PROBE, env)
  const cjs = await probe(context.withExpressSession.dir, 'probe.cjs', CJS_PROBE, {
    ...env,
    PREFIX: `${env.PREFIX}cjs:`,
  })
  assert.is(esm.base, 'Store')
  assert.is(esm.classBase, 'Store')
  assert.is(cjs.base, 'Store')
  assert.is(cjs.loadedExpressSession, true)
})

test.run()
