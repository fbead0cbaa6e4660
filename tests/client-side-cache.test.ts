import type session from 'express-session'
import * as redis6 from 'redis'
import * as redis5 from 'redis5'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisSessionStore, type SessionRecord } from '../src/index.js'
import { signInApp, visit } from './helpers/express-app.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { watchCommands } from './helpers/monitor.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

interface Closable {
  on(event: 'error', listener: () => void): unknown
  connect(): Promise<unknown>
  disconnect(): Promise<unknown>
}

// The two node-redis majors with client-side caching; their option types differ only in detail.
const libraries: Record<string, { createClient(options: object): Closable }> = {
  'node-redis 6': redis6 as unknown as { createClient(options: object): Closable },
  'node-redis 5': redis5 as unknown as { createClient(options: object): Closable },
}

// The invalidation arrives asynchronously: polled every 5 ms, for at most 2 s.
const INVALIDATION = { timeoutMs: 2_000, intervalMs: 5 }

for (const [name, library] of Object.entries(libraries)) {
  const test = suite(`client-side caching, ${name}`)
  let server: ServerProcess
  let inspector: Inspector
  const clients: Closable[] = []

  const connect = async (options: object) => {
    const client = library.createClient({ socket: { host: server.host, port: server.port }, ...options })
    client.on('error', () => {})
    await client.connect()
    clients.push(client)
    return client as unknown as SupportedClient
  }
  const cachingClient = () => connect({ RESP: 3, clientSideCache: { ttl: 0, maxEntries: 10_000 } })

  /** Two instances of the app: one writes through a plain client, the other reads through a caching one. */
  async function twoStores() {
    const prefix = uniquePrefix('csc')
    return {
      writer: createRedisStore({ client: await connect({}), prefix }),
      reader: createRedisStore({ client: await cachingClient(), prefix }),
    }
  }

  const getsDuring = async (work: () => Promise<unknown>) => {
    const before = await inspector.calls('get')
    await work()
    return (await inspector.calls('get')) - before
  }

  const reads = (store: RedisSessionStore, sid: string, expected: SessionRecord | null) => async () =>
    JSON.stringify(await store.get(sid)) === JSON.stringify(expected)

  test.before(async () => {
    server = await startRedis()
    inspector = await standaloneInspector(server)
  })

  test.after(async () => {
    for (const client of clients) await client.disconnect().catch(() => {})
    await inspector.close()
    await server.stop()
  })

  test('answers a repeated get of an unchanged session from the cache, with one GET in all', async () => {
    const { writer, reader } = await twoStores()
    const session = sessionFor({ user: 'ada' })
    await writer.set('s1', session)
    const gets = await getsDuring(async () => {
      for (let i = 0; i < 5; i++) assert.equal(await reader.get('s1'), session)
    })
    assert.is(gets, 1)
  })

  test('serves a session changed through another client fresh once the invalidation has arrived', async () => {
    const { writer, reader } = await twoStores()
    await writer.set('s2', sessionFor({ user: 'ada' }))
    assert.equal(await reader.get('s2'), sessionFor({ user: 'ada' }))
    const changed = sessionFor({ user: 'grace' })
    await writer.set('s2', changed)
    await waitFor('the cached session to be invalidated', reads(reader, 's2', changed), INVALIDATION)
  })

  test('stops serving a session destroyed through another client once the invalidation has arrived', async () => {
    const { writer, reader } = await twoStores()
    await writer.set('s3', sessionFor({ user: 'ada' }))
    assert.ok(await reader.get('s3'))
    await writer.destroy('s3')
    await waitFor('the destroyed session to stop being served', reads(reader, 's3', null), INVALIDATION)
  })

  test('costs a returning visitor no Redis command at all with touchAfter', async () => {
    const prefix = uniquePrefix('csc-app')
    const store = createRedisStore({ client: await cachingClient(), prefix, touchAfter: 60 })
    const app = signInApp({ store: store as unknown as session.Store, rolling: true })
    const { cookie } = await visit(app, '/login')
    assert.is((await visit(app, '/read', cookie)).body, 'ada')
    const watch = await watchCommands(server)
    for (let i = 0; i < 5; i++) assert.is((await visit(app, '/read', cookie)).body, 'ada')
    assert.equal(await watch.stop(), [])
  })

  test.run()
}
