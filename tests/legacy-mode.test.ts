import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectLegacyModeClient } from './helpers/clients.js'
import { type ListeningApp, startRequireSessionApp, visitor } from './helpers/express-app.js'
import { standaloneInspector } from './helpers/inspector.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, sharedServer, startRedis } from './helpers/servers.js'
import { codeOf, uniquePrefix } from './helpers/sessions.js'
import { conformance } from './suites/conformance.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// connect-redis 6's README has every node-redis 4 user create `createClient({ legacyMode: true })`: such a client,
// passed as it is, must work for every method, and its connection events must reach the store.
const server = sharedServer(startRedis)
const target = {
  connect: async () => connectLegacyModeClient(await server()),
  inspector: async () => standaloneInspector(await server()),
}

const behaviour = conformance('standalone server, node-redis 4 client in legacyMode', target)
const perUser = userSessionsSuite('node-redis 4 client in legacyMode', target)

const TIMEOUT = 400
const outage = suite('a legacyMode client during an outage, under express-session')
let redis: ServerProcess
let handle: ClientHandle
let store: RedisSessionStore
let app: ListeningApp
const events: string[] = []
// What the client emitted on 'error': only its lost connection, never an error of a command the store sent.
const clientErrors: Error[] = []
const commandErrors = () =>
  clientErrors.filter((error) => !CONNECTION_ERROR.test(`${error.name} ${codeOf(error)} ${error.message}`)).map(String)
const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|Socket closed unexpectedly/

outage.before(async () => {
  redis = await startRedis({ durable: true })
  handle = await connectLegacyModeClient(redis)
  ;(handle.client as unknown as { on(event: 'error', listener: (error: Error) => void): void }).on('error', (error) =>
    clientErrors.push(error),
  )
  store = createRedisStore({ client: handle.client, prefix: uniquePrefix('legacy'), timeout: TIMEOUT })
  store.on('disconnect', () => events.push('disconnect'))
  store.on('connect', () => events.push('connect'))
  app = await startRequireSessionApp(store)
})

outage.after(async () => {
  await app.close()
  await handle.close()
  await redis.stop()
})

outage('counts visits over HTTP, the session saved and read through the client', async () => {
  const visit = visitor(app.url)
  assert.is((await visit('/count')).body, '1')
  assert.is((await visit('/count')).body, '2')
  assert.equal(clientErrors, [], "and the client emitted no 'error'")
})

outage('says disconnect when the server dies, fails fast, and says connect when it is back', async () => {
  const visit = visitor(app.url)
  assert.is((await visit('/count')).body, '1')
  await redis.kill()
  await waitFor("the store's disconnect event", () => events.includes('disconnect'), { timeoutMs: 20_000 })
  const started = performance.now()
  const refused = await store.get('any').catch((error: unknown) => error)
  assert.is(codeOf(refused), 'ERR_STORE_NOT_CONNECTED')
  assert.ok(performance.now() - started < TIMEOUT, 'refused at once, not after the timeout')
  assert.is((await visit('/count')).status, 503, 'requireSession answers for a request with no session')
  await redis.restart()
  await waitFor("the store's connect event", () => events.includes('connect'), { timeoutMs: 20_000 })
  assert.is((await visit('/count')).body, '2', 'the session was kept')
  assert.equal(commandErrors(), [], "no command the store sent came back as an 'error' event")
  assert.ok(clientErrors.length > 0, 'the client did report its lost connection')
})

const v4 = suite("a legacyMode client's .v4 passed alone")
let legacy: ClientHandle
v4.before(async () => {
  legacy = await connectLegacyModeClient(await server())
})
v4.after(async () => {
  await legacy.close()
  await server.stop()
})

v4('is refused at creation with a message that says to pass the client itself', () => {
  const { v4: promiseApi } = legacy.client as unknown as { v4: unknown }
  assert.throws(
    () => createRedisStore({ client: promiseApi as never }),
    (error: unknown) => error instanceof TypeError && /\.v4`.*pass the client itself/.test(error.message),
  )
})

for (const test of [behaviour, perUser, outage, v4]) test.run()
