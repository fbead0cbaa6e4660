import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEncryptedSerializer, createRedisStore, type Serializer, type SessionRecord } from '../src/index.js'
import { arbitrarySession, deeplyNested, jsonCopy } from './helpers/arbitrary-session.js'
import type { ClientHandle, ClientLibrary } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import type { TestSession } from './helpers/sessions.js'
import { uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const MEGABYTE = 1024 * 1024
const server = sharedServer(startRedis)
const serializers: Record<string, Serializer | undefined> = {
  JSON: undefined,
  encryption: createEncryptedSerializer({ secrets: ['round trips: a secret of at least 32 chars'] }),
}
const sessionId = fc.string({ unit: 'binary', minLength: 1, maxLength: 32 })

/** A text of `length` code points drawn from every plane, the same for the same seed. */
function unicodeText(seed: number, length: number): string {
  let state = seed >>> 0 || 1
  const chunks: string[] = []
  const points: number[] = []
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    const point = (state >>> 0) % 0x110000
    // Lone surrogates are not text: UTF-8 cannot carry them to Redis and back.
    points.push(point >= 0xd800 && point <= 0xdfff ? 0x1f600 : point)
    if (points.length === 4096) chunks.push(String.fromCodePoint(...points.splice(0)))
  }
  chunks.push(String.fromCodePoint(...points))
  return chunks.join('')
}

/** A session of about a megabyte of stored text: one long string, many small strings, or many numbers. */
const megabyteSession = fc
  .tuple(fc.integer(), fc.constantFrom('one string', 'many strings', 'numbers'))
  .map(([seed, shape]): SessionRecord => {
    const cookie = { originalMaxAge: null, path: '/' }
    if (shape === 'one string') return { cookie, blob: unicodeText(seed, MEGABYTE / 3) } as SessionRecord
    if (shape === 'many strings') {
      const items = Array.from({ length: 20_000 }, (_, i) => unicodeText(seed + i, 16))
      return { cookie, items } as SessionRecord
    }
    return { cookie, numbers: Array.from({ length: 100_000 }, (_, i) => (seed + i + 1) / 7) } as SessionRecord
  })

function roundTripSuite(library: ClientLibrary, serializerName: string) {
  const test = suite(`round trips of arbitrary sessions through the store (${library}, ${serializerName})`)
  let handle: ClientHandle
  let redis: Inspector

  redisFor(test, { library, server }, (started) => ({ handle, redis } = started))

  const freshStore = () => {
    const prefix = uniquePrefix('rt')
    const serializer = serializers[serializerName]
    return { prefix, store: createRedisStore({ client: handle.client, prefix, ...(serializer ? { serializer } : {}) }) }
  }

  test('gives back any session under any session id, unicode included, and lists it under that id', async () => {
    const { store } = freshStore()
    await fc.assert(
      fc.asyncProperty(arbitrarySession(), sessionId, async (session, sid) => {
        await store.set(sid, session as TestSession)
        assert.equal(await store.get(sid), jsonCopy(session))
        assert.ok((await store.ids()).includes(sid))
        await store.destroy(sid)
      }),
      { numRuns: 40 },
    )
  })

  test('gives back sessions nested hundreds of levels deep', async () => {
    const { store } = freshStore()
    await fc.assert(
      fc.asyncProperty(deeplyNested(500), async (nested) => {
        const session = { cookie: { originalMaxAge: null }, nested } as SessionRecord
        await store.set('deep', session as TestSession)
        assert.equal(await store.get('deep'), jsonCopy(session))
        const [listed] = await store.all()
        assert.equal(listed, { ...jsonCopy(session), id: 'deep' })
      }),
      { numRuns: 10 },
    )
  })

  test('gives back sessions of a megabyte and more', async () => {
    const { prefix, store } = freshStore()
    await fc.assert(
      fc.asyncProperty(megabyteSession, async (session) => {
        await store.set('big', session as TestSession)
        assert.ok(Buffer.byteLength((await redis.get(`${prefix}big`)) ?? '') >= MEGABYTE, 'at least a megabyte stored')
        assert.equal(await store.get('big'), jsonCopy(session))
      }),
      { numRuns: 4 },
    )
  })

  return test
}

const suites = (['node-redis 6', 'ioredis 6'] as const).flatMap((library) =>
  Object.keys(serializers).map((serializerName) => roundTripSuite(library, serializerName)),
)
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
