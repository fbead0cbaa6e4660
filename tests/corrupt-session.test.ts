import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type CorruptSessionPolicy, createRedisStore } from '../src/index.js'
import { type ClientHandle, type ClientLibrary, connectClient } from './helpers/clients.js'
import { type VisitReply, visitCountingApp } from './helpers/express-app.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

// What a stored session can turn into: each must read as no session at all, never as data.
const corruptValues: Record<string, Buffer | string> = {
  'random bytes': Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(61)]),
  'truncated JSON': '{"cookie":{"originalMaxAge":null,"httpOnly":true,"path":"/"},"visits":41,"adm',
  'a JSON string': '"visits: 41"',
  'a JSON array': '[{"cookie":{}},{"visits":41}]',
  'a JSON number': '41',
  'JSON null': 'null',
  'an object with no cookie': '{"visits":41,"admin":true}',
  'an object whose cookie is not an object': '{"cookie":"yes","visits":41,"admin":true}',
  // express-session's Cookie throws on the first and hangs the response on the second.
  'a cookie whose maxAge is not a number': '{"cookie":{"maxAge":"1 day","path":"/"},"visits":41}',
  'a cookie whose originalMaxAge is not a number': '{"cookie":{"originalMaxAge":"1 day","path":"/"},"visits":41}',
  // express-session would make it an Invalid Date: a cookie whose expiry nobody can check.
  'a cookie whose expires is not a date': '{"cookie":{"expires":"tomorrow","path":"/"},"visits":41}',
  'a cookie whose expires is a number': '{"cookie":{"expires":41,"path":"/"},"visits":41}',
  // V8 quotes the start of a text it cannot parse in JSON.parse's message.
  'text that starts with session data': 'visits=41; secret=hunter2-never-logged',
}

/** Every message and stack in an error and the causes under it. */
function messagesIn(error: unknown): string {
  const texts: string[] = []
  for (let current = error; current instanceof Error; current = current.cause) {
    texts.push(current.message, current.stack ?? '')
  }
  return texts.join('\n')
}

const server = sharedServer(startRedis)
const libraries = ['node-redis 6', 'ioredis 6'] as const
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

function corruptSessionSuite(library: ClientLibrary, policy: CorruptSessionPolicy) {
  const test = suite(`a corrupt stored session, through express-session (${library}, onCorruptSession '${policy}')`)
  let handle: ClientHandle
  let redis: Inspector
  let raw: ReturnType<typeof createClient>

  test.before(async () => {
    process.on('unhandledRejection', onUnhandled)
    const { host, port } = await server()
    handle = await connectClient(library, { host, port })
    redis = await standaloneInspector({ host, port })
    raw = createClient({ socket: { host, port } })
    raw.on('error', () => {})
    await raw.connect()
  })
  test.after(async () => {
    process.off('unhandledRejection', onUnhandled)
    await handle.close()
    await redis.close()
    await raw.disconnect()
  })

  /** The app, a browser with a session of one visit, and that session's key. */
  async function visitedOnce() {
    const prefix = uniquePrefix('corrupt')
    const store = createRedisStore({ client: handle.client, prefix, onCorruptSession: policy })
    const reported: unknown[] = []
    store.on('corruptSession', (error) => reported.push(error))
    const { app, errors } = visitCountingApp(store)
    const browser = request.agent(app)
    const first = await browser.get('/visit').timeout(10_000).expect(200)
    assert.equal(first.body, { visits: 1, fields: [] } satisfies VisitReply)
    const keys = (await redis.keys()).filter((key) => key.startsWith(prefix))
    assert.is(keys.length, 1)
    return { prefix, key: keys[0] as string, browser, reported, errors }
  }

  for (const [kind, value] of Object.entries(corruptValues)) {
    if (policy === 'miss') {
      test(`answers with a fresh session when the stored one is ${kind}, and keeps the stored value`, async () => {
        const { prefix, key, browser, reported, errors } = await visitedOnce()
        await raw.set(key, value)
        const second = await browser.get('/visit').timeout(10_000).expect(200)
        assert.equal(second.body, { visits: 1, fields: [] } satisfies VisitReply)
        const third = await browser.get('/visit').timeout(10_000).expect(200)
        assert.equal(third.body, { visits: 2, fields: ['visits'] } satisfies VisitReply)
        assert.is(reported.length, 1)
        assert.is((reported[0] as { code?: string }).code, 'ERR_SESSION_DECODE')
        assert.not.match(messagesIn(reported[0]), /hunter2|visits/, 'the stored text is not in the error')
        assert.equal(errors, [])
        assert.ok(await redis.exists(key), 'the corrupt value is left for its owner to inspect')
        assert.is((await redis.keys()).filter((k) => k.startsWith(prefix)).length, 2)
      })
    } else {
      test(`fails one request when the stored session is ${kind}, deletes it, and the next request starts afresh`, async () => {
        const { key, browser, reported, errors } = await visitedOnce()
        await raw.set(key, value)
        const second = await browser.get('/visit').timeout(10_000).expect(500)
        assert.equal(second.body, { code: 'ERR_SESSION_DECODE' })
        assert.is(await redis.exists(key), false)
        const third = await browser.get('/visit').timeout(10_000).expect(200)
        assert.equal(third.body, { visits: 1, fields: [] } satisfies VisitReply)
        const fourth = await browser.get('/visit').timeout(10_000).expect(200)
        assert.equal(fourth.body, { visits: 2, fields: ['visits'] } satisfies VisitReply)
        assert.equal(errors, ['ERR_SESSION_DECODE'])
        assert.is(reported.length, 0)
      })
    }
  }

  test('left no promise rejection unhandled', () => {
    assert.equal(unhandled, [])
  })

  return test
}

const suites = libraries.flatMap((library) =>
  (['miss', 'fail'] as const).map((policy) => corruptSessionSuite(library, policy)),
)
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
