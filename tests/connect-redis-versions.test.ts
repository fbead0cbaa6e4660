import { createRequire } from 'node:module'
import { RedisStore as ConnectRedis9 } from 'connect-redis'
import session from 'express-session'
import { createClient } from 'redis'
import * as nodeRedis4 from 'redis4'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type SupportedClient } from '../src/index.js'
import { type VisitReply, visitCountingApp } from './helpers/express-app.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

// A rolling deploy from the connect-redis versions most apps still run, as their READMEs set them up: connect-redis 6
// as `require('connect-redis')(session)` on a node-redis 4 client in legacyMode, connect-redis 7 as
// `require('connect-redis').default` on a plain node-redis 4 client. The new instances run this store on a node-redis
// 6 client; connect-redis 9 as `new RedisStore()` on a node-redis 6 client of its own. (connect-redis 9's data, key by
// key, is in connect-redis-data.test.ts.)
const require = createRequire(import.meta.url)
type StoreClass = new (options: Record<string, unknown>) => session.Store
const connectRedis6 = require('connect-redis6') as (s: typeof session) => StoreClass
const connectRedis7 = (require('connect-redis7') as { default: StoreClass }).default

let server: ServerProcess
let theirClients: Array<{ disconnect(): Promise<unknown> }> = []
let ourClient: ReturnType<typeof createClient>

async function nodeRedis6Client() {
  const client = createClient({ socket: { host: server.host, port: server.port } })
  client.on('error', () => {})
  await client.connect()
  theirClients.push(client)
  return client
}

async function nodeRedis4Client(legacyMode: boolean) {
  const client = nodeRedis4.createClient({ socket: { host: server.host, port: server.port }, legacyMode })
  client.on('error', () => {})
  await client.connect()
  theirClients.push(client)
  return client
}

/** One visit of the browser (its cookie, if it has one) to the app; the count it got and the cookie it holds. */
async function visit(app: Parameters<typeof request>[0], cookie: string | undefined) {
  const call = request(app).get('/visit')
  if (cookie) call.set('Cookie', cookie)
  const response = await call.expect(200)
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]
  return { visits: (response.body as VisitReply).visits, cookie: setCookie?.split(';')[0] ?? cookie }
}

const test = suite('a rolling deploy over HTTP from connect-redis 6, 7 and 9 to this store, and back')

test.before(async () => {
  server = await startRedis()
  ourClient = createClient({ socket: { host: server.host, port: server.port } })
  ourClient.on('error', () => {})
  await ourClient.connect()
})

test.after(async () => {
  for (const client of theirClients) await client.disconnect().catch(() => {})
  theirClients = []
  await ourClient.disconnect()
  await server.stop()
})

type Client = { disconnect(): Promise<unknown> }

/** The old app's store on its client, and the client the new app's store is given: its own, or the same one. */
interface Deploy {
  theirs: (prefix: string) => Promise<session.Store>
  ours?: () => Client
}

let lastTheirClient: Client | undefined
const theirs = async <C extends Client>(client: Promise<C>) => {
  lastTheirClient = await client
  return lastTheirClient as C
}

const deploys: Record<string, Deploy> = {
  'connect-redis 6.1.3 on a legacyMode node-redis 4 client': {
    theirs: async (prefix) => new (connectRedis6(session))({ client: await theirs(nodeRedis4Client(true)), prefix }),
  },
  // What the README's one-line change does: the same legacyMode client, now given to this store.
  'connect-redis 6.1.3, then this store, on the same legacyMode node-redis 4 client': {
    theirs: async (prefix) => new (connectRedis6(session))({ client: await theirs(nodeRedis4Client(true)), prefix }),
    ours: () => lastTheirClient as Client,
  },
  'connect-redis 7.1.1 on a node-redis 4 client': {
    theirs: async (prefix) => new connectRedis7({ client: await theirs(nodeRedis4Client(false)), prefix }),
  },
  'connect-redis 9.0.0 on a node-redis 6 client': {
    theirs: async (prefix) => new ConnectRedis9({ client: await theirs(nodeRedis6Client()), prefix }),
  },
}

for (const [version, deploy] of Object.entries(deploys)) {
  test(`${version}: the count goes on as the visitor moves between the old app and the new, both ways`, async () => {
    const prefix = uniquePrefix('cr-version')
    const old = visitCountingApp(await deploy.theirs(prefix))
    const client = (deploy.ours?.() ?? ourClient) as unknown as SupportedClient
    const next = visitCountingApp(createRedisStore({ client, prefix }))
    let cookie: string | undefined
    const counted: number[] = []
    for (const app of [old, next, old, old, next, next, old]) {
      const reply = await visit(app.app, cookie)
      counted.push(reply.visits)
      cookie = reply.cookie
    }
    assert.equal(counted, [1, 2, 3, 4, 5, 6, 7])
    assert.equal(old.errors, [])
    assert.equal(next.errors, [])
    const keys = await ourClient.keys(`${prefix}*`)
    assert.is(keys.length, 1, 'one session, under one key, all along')
    assert.is(JSON.parse((await ourClient.get(keys[0] as string)) ?? 'null').visits, 7)
    assert.ok((await ourClient.ttl(keys[0] as string)) > 0, 'and it still expires')
  })
}

test.run()
