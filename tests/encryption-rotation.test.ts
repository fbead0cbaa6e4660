import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEncryptedSerializer, createRedisStore, type RedisStoreOptions } from '../src/index.js'
import { signInApp, visit } from './helpers/express-app.js'
import type { Inspector } from './helpers/inspector.js'
import { watchCommands } from './helpers/monitor.js'
import type { ServerProcess } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const OLD_SECRET = 'old secret: rotation test - correct horse battery 1'
const NEW_SECRET = 'new secret: rotation test - correct horse battery 2'
// Each secret costs one scrypt derivation: the serializers are made once.
const oldOnly = createEncryptedSerializer({ secrets: [OLD_SECRET] })
const rotated = createEncryptedSerializer({ secrets: [NEW_SECRET, OLD_SECRET] })
const newOnly = createEncryptedSerializer({ secrets: [NEW_SECRET] })

const HOUR_MS = 3_600_000
// One expiry for every session of the file, so that a session compares equal to the one it was saved from.
const IN_AN_HOUR = new Date(Date.now() + HOUR_MS).toISOString()
const hourLong = (fields: Record<string, unknown>): TestSession =>
  sessionFor(fields, { originalMaxAge: HOUR_MS, expires: IN_AN_HOUR })

let client: NodeRedisClient
let redis: Inspector
let server: ServerProcess

/** One prefix, and a store on it for each stage of a rotation: before, during (new secret first) and after. */
function rotation(options: Omit<RedisStoreOptions, 'client' | 'prefix' | 'serializer'> = {}) {
  const prefix = uniquePrefix('rot')
  const on = (serializer: typeof oldOnly) => createRedisStore({ client, prefix, serializer, ...options })
  return { prefix, before: on(oldOnly), during: on(rotated), after: on(newOnly) }
}

/** The commands the clients sent for `key` while `work` ran (a script's own commands are not round trips). */
async function sentFor(key: string, work: () => Promise<unknown>): Promise<string[]> {
  const watch = await watchCommands(server)
  await work()
  return (await watch.stop()).filter((args) => args.includes(key)).map(([command]) => command ?? '')
}

const visits = suite('a visit to a session written with an old secret')
redisFor(visits, (started) => ({ nodeRedis: client, redis, server } = started))

visits('touched, re-encrypts it under the first secret, its data unchanged, in one EVALSHA', async () => {
  const { prefix, before, during, after } = rotation()
  // The script's first use on a server is EVALSHA then EVAL (it loads it): this visit is the server's second.
  await before.set('first', hourLong({ user: 'ada' }))
  await during.touch('first', (await during.get('first')) as TestSession)
  const stored = hourLong({ user: 'ada' })
  await before.set('idle', stored)
  const loaded = (await during.get('idle')) as TestSession
  loaded.cookie = { ...loaded.cookie, expires: new Date(Date.now() + 2 * HOUR_MS).toISOString() as unknown as Date }
  assert.equal(await sentFor(`${prefix}idle`, () => during.touch('idle', loaded)), ['evalsha'])
  assert.equal(await after.get('idle'), stored)
  // The expiry is the touch's, as an EXPIRE would have set it.
  assert.ok((await redis.ttl(`${prefix}idle`)) > 1.9 * 3600)
})

visits('saved unchanged (resave), re-encrypts it too', async () => {
  const { before, during, after } = rotation()
  await before.set('resaved', hourLong({ user: 'ada' }))
  const loaded = (await during.get('resaved')) as TestSession
  await during.set('resaved', loaded)
  assert.equal(await after.get('resaved'), hourLong({ user: 'ada' }))
})

visits('saved with a change, writes the change under the first secret', async () => {
  const { before, during, after } = rotation()
  await before.set('changed', hourLong({ user: 'ada' }))
  const loaded = (await during.get('changed')) as TestSession
  loaded.user = 'grace'
  await during.set('changed', loaded)
  assert.is(((await after.get('changed')) as TestSession | null)?.user, 'grace')
})

visits('touched, leaves a session written with the first secret to a plain EXPIRE', async () => {
  const { prefix, during } = rotation()
  await during.set('current', hourLong({ user: 'ada' }))
  const loaded = (await during.get('current')) as TestSession
  assert.equal(await sentFor(`${prefix}current`, () => during.touch('current', loaded)), ['expire'])
})

visits('touched after another request saved a change, keeps that change and only moves the expiry', async () => {
  const { prefix, before, during } = rotation()
  await before.set('raced', hourLong({ user: 'ada' }))
  const loaded = (await during.get('raced')) as TestSession
  // An instance not yet given the new secret saves a change meanwhile, with the old secret.
  const elsewhere = (await before.get('raced')) as TestSession
  elsewhere.cart = ['book']
  await before.set('raced', elsewhere)
  assert.equal(await sentFor(`${prefix}raced`, () => during.touch('raced', loaded)), ['evalsha', 'expire'])
  assert.equal(await before.get('raced'), { ...hourLong({ user: 'ada' }), cart: ['book'] })
})

visits("touched after it was destroyed, writes nothing and emits 'staleSession'", async () => {
  const { prefix, before, during } = rotation()
  const stale: unknown[] = []
  during.on('staleSession', (details) => stale.push(details))
  await before.set('revoked', hourLong({ user: 'ada' }))
  const loaded = (await during.get('revoked')) as TestSession
  await during.destroy('revoked')
  await during.touch('revoked', loaded)
  assert.is(await redis.exists(`${prefix}revoked`), false)
  assert.equal(stale, [{ operation: 'touch' }])
})

visits('over HTTP, signs nobody out who visited once before the old secret was dropped', async () => {
  const { before, during, after } = rotation()
  const { cookie } = await visit(signInApp({ store: before as unknown as session.Store }), '/login')
  // A visit that changes nothing: express-session touches the session.
  assert.is((await visit(signInApp({ store: during as unknown as session.Store }), '/read', cookie)).body, 'ada')
  assert.is((await visit(signInApp({ store: after as unknown as session.Store }), '/read', cookie)).body, 'ada')
})

visits.run()

const sweep = suite('rewriteOutdated(), the sweep for sessions nobody visits')
redisFor(sweep, (started) => ({ nodeRedis: client, redis, server } = started))

sweep('re-encrypts every session read with an old secret, keeping its data and its expiry', async () => {
  const { prefix, before, during, after } = rotation()
  for (const sid of ['a', 'b', 'c']) await before.set(sid, hourLong({ user: sid }))
  await during.set('current', hourLong({ user: 'current' }))
  const ttls = new Map(
    await Promise.all(['a', 'b', 'c'].map(async (sid) => [sid, await redis.pTTL(prefix + sid)] as const)),
  )
  const rewritten: string[] = []
  for await (const found of during.sessions()) if (await during.rewriteOutdated(found)) rewritten.push(found.id)
  assert.equal(rewritten.sort(), ['a', 'b', 'c'])
  for (const sid of ['a', 'b', 'c']) {
    assert.equal(await after.get(sid), hourLong({ user: sid }))
    const ttl = await redis.pTTL(prefix + sid)
    assert.ok(ttl <= (ttls.get(sid) ?? 0) && ttl > (ttls.get(sid) ?? 0) - 10_000, `${sid}: ${ttl}`)
  }
})

sweep(
  "keeps a session alive whose key lives on past its stored cookie's expiry (touched since its last save)",
  async () => {
    const { prefix, during, after } = rotation()
    const saved = sessionFor(
      { user: 'ada' },
      { originalMaxAge: HOUR_MS, expires: new Date(Date.now() - 1_000).toISOString() },
    )
    await redis.set(`${prefix}touched`, oldOnly.stringify(saved, 'touched'))
    await redis.pExpire(`${prefix}touched`, 60_000)
    const [found] = await during.all()
    assert.ok(found && (await during.rewriteOutdated(found)))
    assert.equal(await after.get('touched'), saved)
    assert.ok((await redis.pTTL(`${prefix}touched`)) > 50_000)
  },
)

sweep('leaves a session that changed or was destroyed since it was read as it is now', async () => {
  const { prefix, before, during } = rotation()
  await before.set('changed', hourLong({ user: 'ada' }))
  await before.set('destroyed', hourLong({ user: 'grace' }))
  const found = await during.all()
  await before.set('changed', hourLong({ user: 'ada', cart: ['book'] }))
  const changedText = await redis.get(`${prefix}changed`)
  await during.destroy('destroyed')
  for (const read of found) assert.is(await during.rewriteOutdated(read), false, read.id)
  assert.is(await redis.get(`${prefix}changed`), changedText)
  assert.is(await redis.exists(`${prefix}destroyed`), false)
})

sweep('answers false for a session that is not outdated, and for an object the store never read', async () => {
  const { during } = rotation()
  await during.set('current', hourLong({ user: 'ada' }))
  const [found] = await during.all()
  assert.ok(found)
  assert.is(await during.rewriteOutdated(found), false)
  assert.is(await during.rewriteOutdated(hourLong({ user: 'ada' })), false)
})

sweep.run()

const example = suite('examples/rotation-sweep.ts')
redisFor(example, (started) => ({ nodeRedis: client, redis, server } = started))

example('rewrites the sessions written with the old secret, so that the new secret alone reads them all', async () => {
  // The example uses the default prefix: this suite's server holds nothing else.
  const before = createRedisStore({ client, serializer: oldOnly })
  const after = createRedisStore({ client, serializer: newOnly })
  for (const sid of ['x', 'y', 'z']) await before.set(sid, hourLong({ user: sid }))
  await after.set('w', hourLong({ user: 'w' }))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/rotation-sweep.ts'], {
    cwd: resolve(import.meta.dirname, '..'),
    env: {
      ...process.env,
      REDIS_URL: server.url,
      SESSION_ENCRYPTION_SECRETS: `${NEW_SECRET},${OLD_SECRET}`,
    },
    timeout: 30_000,
  })
  assert.is(stdout.trim(), 'rewrote 3 of 4 sessions')
  for (const sid of ['w', 'x', 'y', 'z']) assert.equal(await after.get(sid), hourLong({ user: sid }))
})

example.run()
