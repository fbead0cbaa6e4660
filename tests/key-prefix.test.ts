import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisStoreOptions, scanKeys } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

let server: ServerProcess
const test = suite('an ioredis client with its own keyPrefix')
const handles: ClientHandle[] = []
let redis: Inspector

test.before(async () => {
  server = await startRedis()
  redis = await standaloneInspector(server)
})
test.after(async () => {
  for (const handle of handles) await handle.close()
  await redis.close()
  await server.stop()
})

async function clientWithKeyPrefix(keyPrefix: string) {
  const handle = await connectClient('ioredis 6', server, { keyPrefix })
  handles.push(handle)
  return handle.client
}

const storeOn = (client: SupportedClient, options: Omit<RedisStoreOptions, 'client'> = {}) =>
  createRedisStore({ client, ...options })

const keysUnder = async (start: string) => (await redis.keys()).filter((key) => key.startsWith(start)).sort()

test('writes each session once under keyPrefix + prefix + sid, and reads it back', async () => {
  const keyPrefix = uniquePrefix('app')
  const store = storeOn(await clientWithKeyPrefix(keyPrefix), { prefix: 'sess:' })
  await store.set('a', sessionFor({ n: 1 }))
  assert.equal(await keysUnder(keyPrefix), [`${keyPrefix}sess:a`])
  assert.equal(await store.get('a'), sessionFor({ n: 1 }))
  await store.touch('a', sessionFor())
  assert.ok((await redis.ttl(`${keyPrefix}sess:a`)) > 0)
  await store.destroy('a')
  assert.equal(await keysUnder(keyPrefix), [])
})

test('ids, length, all and clear see exactly the keys set wrote, across SCAN pages', async () => {
  const keyPrefix = uniquePrefix('app')
  const store = storeOn(await clientWithKeyPrefix(keyPrefix), { prefix: 'sess:', scanCount: 7 })
  // The same store prefix with no client prefix, and with another one: neither may be seen or cleared.
  const plain = await connectClient('ioredis 6', server)
  handles.push(plain)
  const bare = storeOn(plain.client, { prefix: `sess:${keyPrefix}` })
  const otherApp = storeOn(await clientWithKeyPrefix(`${keyPrefix}x`), { prefix: 'sess:' })
  await bare.set('bare', sessionFor())
  await otherApp.set('other', sessionFor())
  const sids = Array.from({ length: 150 }, (_, i) => `s${i}`)
  await Promise.all(sids.map((sid, i) => store.set(sid, sessionFor({ i }))))

  assert.is(await store.length(), 150)
  assert.equal((await store.ids()).sort(), [...sids].sort())
  const all = await store.all()
  assert.equal(all.map((session) => session.id).sort(), [...sids].sort())
  assert.ok(all.every((session) => session.id === `s${(session as unknown as { i: number }).i}`))
  const scanned = []
  for await (const page of scanKeys(await clientWithKeyPrefix(keyPrefix), { prefix: 'sess:' })) scanned.push(...page)
  assert.equal(scanned.sort(), sids.map((sid) => `sess:${sid}`).sort())

  await store.clear()
  assert.is(await store.length(), 0)
  assert.equal(await keysUnder(`${keyPrefix}sess:`), [])
  assert.equal(await bare.ids(), ['bare'])
  assert.equal(await otherApp.ids(), ['other'])
})

test('takes a keyPrefix with glob characters literally', async () => {
  const base = uniquePrefix('glob')
  const globby = storeOn(await clientWithKeyPrefix(`${base}[ab]*?\\:`), { prefix: 's:' })
  const lookalike = storeOn(await clientWithKeyPrefix(`${base}a-anything?\\:`), { prefix: 's:' })
  await globby.set('mine', sessionFor())
  await lookalike.set('theirs', sessionFor())
  assert.equal(await globby.ids(), ['mine'])
  assert.is(await globby.length(), 1)
  await globby.clear()
  assert.equal(await lookalike.ids(), ['theirs'])
  assert.equal(await globby.ids(), [])
})

test('with an empty store prefix, clear() still needs allowClearWithEmptyPrefix, and then stays under keyPrefix', async () => {
  const keyPrefix = uniquePrefix('app')
  const client = await clientWithKeyPrefix(keyPrefix)
  const neighbourPrefix = `${keyPrefix.slice(0, -1)}-next:`
  const neighbour = storeOn(await clientWithKeyPrefix(neighbourPrefix), { prefix: '' })
  await neighbour.set('n', sessionFor())
  const refusing = storeOn(client, { prefix: '' })
  await refusing.set('a', sessionFor())
  const error = await refusing.clear().catch((e: unknown) => e)
  assert.is((error as { code?: string }).code, 'ERR_UNSAFE_CLEAR')
  assert.equal(await refusing.ids(), ['a'])

  const allowed = storeOn(client, { prefix: '', allowClearWithEmptyPrefix: true })
  await allowed.clear()
  assert.equal(await keysUnder(keyPrefix), [])
  assert.equal(await keysUnder(neighbourPrefix), [`${neighbourPrefix}n`])
  assert.equal(await neighbour.ids(), ['n'])
})

test('for any keyPrefix and store prefix, glob characters included, the store lists and clears exactly its own sessions', async () => {
  const character = fc.oneof(
    fc.constantFrom('*', '?', '[', ']', '\\', '^', '-', ':', 'a'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )
  const text = (minLength: number) => fc.string({ unit: character, minLength, maxLength: 6 })
  await fc.assert(
    fc.asyncProperty(
      text(1),
      text(0),
      fc.uniqueArray(text(1), { minLength: 1, maxLength: 5 }),
      async (keyPrefix, prefix, sids) => {
        const namespace = uniquePrefix('prop')
        const client = await clientWithKeyPrefix(namespace + keyPrefix)
        const store = storeOn(client, { prefix, allowClearWithEmptyPrefix: true })
        // A neighbour whose keys differ from ours only in their first character after the namespace.
        const neighbour = storeOn(await clientWithKeyPrefix(`${namespace}~${keyPrefix}`), { prefix })
        await neighbour.set('n', sessionFor())
        for (const sid of sids) await store.set(sid, sessionFor({ sid }))
        assert.equal((await store.ids()).sort(), [...sids].sort())
        assert.is(await store.length(), sids.length)
        assert.equal(
          (await keysUnder(namespace + keyPrefix + prefix)).sort(),
          sids.map((sid) => namespace + keyPrefix + prefix + sid).sort(),
        )
        await store.clear()
        assert.equal(await store.ids(), [])
        assert.equal(await neighbour.ids(), ['n'])
        await neighbour.destroy('n')
      },
    ),
    { numRuns: 30 },
  )
})

test.run()
