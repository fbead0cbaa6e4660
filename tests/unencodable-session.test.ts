import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type Serializer } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { type VisitReply, visitCountingApp } from './helpers/express-app.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

// express-session hashes every session with JSON.stringify before it saves, so a BigInt or a cycle fails
// inside express-session before the store is asked. What reaches the store unencodable is what the
// application's serializer refuses: here, sessions over a size limit.
const LIMIT = 10_000
const limitedJson: Serializer = {
  stringify(session) {
    const text = JSON.stringify(session)
    if (text.length > LIMIT) throw new RangeError(`a session of ${text.length} characters is over the limit`)
    return text
  },
  parse: (text) => JSON.parse(text),
}

let server: ServerProcess
const test = suite('a session the serializer cannot encode, through express-session')
let handle: ClientHandle
let redis: Inspector
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

test.before(async () => {
  server = await startRedis()
  process.on('unhandledRejection', onUnhandled)
  handle = await connectClient('node-redis 6', server)
  redis = await standaloneInspector(server)
})
test.after(async () => {
  process.off('unhandledRejection', onUnhandled)
  await handle.close()
  await redis.close()
  await server.stop()
})

test('reports ERR_SESSION_ENCODE to the app, writes nothing, and keeps the last saved session', async () => {
  const prefix = uniquePrefix('enc')
  const { app, errors } = visitCountingApp(createRedisStore({ client: handle.client, prefix, serializer: limitedJson }))
  const browser = request.agent(app)
  assert.equal((await browser.get('/visit').timeout(10_000).expect(200)).body, { visits: 1, fields: [] })
  const [key] = (await redis.keys()).filter((k) => k.startsWith(prefix))
  const saved = await redis.get(key ?? '')

  // express-session reports a failed save after the response has started; express then ends the connection.
  await browser
    .put(`/large/${LIMIT * 2}`)
    .timeout(10_000)
    .catch(() => undefined)
  assert.equal(errors, ['ERR_SESSION_ENCODE'])
  assert.is(await redis.get(key ?? ''), saved)
  assert.equal((await redis.keys()).filter((k) => k.startsWith(prefix)).length, 1)

  const next = await browser.get('/visit').timeout(10_000).expect(200)
  assert.equal(next.body, { visits: 2, fields: ['visits'] } satisfies VisitReply)
  await browser.put('/large/100').timeout(10_000).expect(200)
  assert.equal((await browser.get('/visit').timeout(10_000).expect(200)).body, {
    visits: 3,
    fields: ['visits', 'large'],
  })
  assert.equal(unhandled, [])
})

test.run()
