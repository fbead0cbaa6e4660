import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { typeCheck } from './helpers/type-check.js'

// The package's types as users compile them, against the built package: each @ts-expect-error below must be an error
// (tsc reports one that is not), and everything else must compile, under node10, node16 and bundler resolution.
const test = suite('the public types, compiled as users compile them')

const ESM_IMPORTS = `
import session from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, RedisStore } from 'redis-session-store'
`
const CJS_IMPORTS = `
import session = require('express-session')
import redis = require('redis')
import redisSessionStore = require('redis-session-store')
const { createClient } = redis
const { createRedisStore, RedisStore } = redisSessionStore
`

/** An Express app's use of the store: fields of SessionData typed, the client as given, wrong clients refused. */
const expressApp = (imports: string) => `${imports}
declare module 'express-session' {
  interface SessionData {
    userId: string
  }
}

const client = createClient()
// Annotated: the userId option also takes koa-session's data, so an unannotated parameter would be either.
const store = createRedisStore({ client, userId: (session: import('express-session').SessionData) => session.userId })
export const middleware = session({ store, secret: 'a secret', resave: false, saveUninitialized: false })

export async function userIds(): Promise<Array<string | undefined>> {
  const loaded = await store.get('sid')
  // @ts-expect-error a field the app did not declare
  void loaded?.undeclared
  const ids = [loaded?.userId, ...(await store.all()).map((one) => one.userId)]
  for await (const one of store.sessions()) ids.push(one.userId)
  return ids
}

// connect-redis's properties, read-only, with the client's own type.
export const closing: Promise<unknown> = store.client.quit()
export const settings: [string, number, boolean] = [store.prefix, store.scanCount, store.disableTouch]
// @ts-expect-error read-only
store.prefix = 'other:'
export const sameClient: typeof client = new RedisStore({ client }).client

// @ts-expect-error an object that is no client
createRedisStore({ client: {} })
// @ts-expect-error a connection URL
createRedisStore({ client: 'redis://localhost:6379' })
// @ts-expect-error a redis@3 client's shape (callbacks, no isOpen)
createRedisStore({ client: { get(_key: string, _done: () => void) {}, connected: true } })
// The options connect-redis took as strings from the environment, and null for the default prefix.
createRedisStore({ client, ttl: '3600', scanCount: '100', prefix: null })
`

const CJS_FORMS = `
import session = require('express-session')
import redis = require('redis')
import redisSessionStore = require('redis-session-store')
import connect = require('redis-session-store/connect')
const client = redis.createClient()
const LegacyRedisStore = connect(session)
export const closing: Promise<unknown> = new LegacyRedisStore({ client }).client.quit()
export const stores = [redisSessionStore.createRedisStore({ client }), new redisSessionStore.RedisStore({ client })]
`

const FASTIFY_APP = `
import type { Session } from 'fastify'
import '@fastify/session'
import { createClient } from 'redis'
import { createRedisStore } from 'redis-session-store'

declare module 'fastify' {
  interface Session {
    userId?: string
  }
}

const client = createClient()
const store = createRedisStore<typeof client, Session>({ client, userId: (session: Session) => session.userId })
export async function userId(): Promise<string | undefined> {
  const loaded = await store.get('sid')
  // @ts-expect-error a field the app did not declare
  void loaded?.undeclared
  return loaded?.userId
}
`

const WITHOUT_EXPRESS_SESSION = `
import { createClient } from 'redis'
import { createRedisStore, type SessionRecord } from 'redis-session-store'

const store = createRedisStore({ client: createClient() })
export async function read(): Promise<SessionRecord | null> {
  const loaded = await store.get('sid')
  // @ts-expect-error without express-session's types, a session is its cookie and nothing else the store knows
  void loaded?.userId
  return loaded
}
`

// An older CommonJS app's settings; redis's own declarations need ES2015+ and esModuleInterop.
const NODE10 = { module: 'commonjs', moduleResolution: 'node10', target: 'es2022', esModuleInterop: true }
const NODE16 = { module: 'node16', moduleResolution: 'node16' }
const projects = {
  'node10, CommonJS': {
    files: { 'app.ts': expressApp(CJS_IMPORTS), 'forms.ts': CJS_FORMS },
    compilerOptions: NODE10,
  },
  'node16, ES module and CommonJS': {
    files: { 'app.mts': expressApp(ESM_IMPORTS), 'forms.cts': CJS_FORMS, 'cjs.cts': expressApp(CJS_IMPORTS) },
    compilerOptions: NODE16,
  },
  bundler: {
    files: { 'app.ts': expressApp(ESM_IMPORTS) },
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler', target: 'es2022', esModuleInterop: true },
  },
  'node16, Fastify with @fastify/session': { files: { 'app.mts': FASTIFY_APP }, compilerOptions: NODE16 },
  'node16, without express-session or its types': {
    files: { 'app.mts': WITHOUT_EXPRESS_SESSION },
    compilerOptions: NODE16,
    without: ['express-session', '@types/express-session'],
  },
  'node10, without express-session or its types': {
    files: { 'app.ts': WITHOUT_EXPRESS_SESSION },
    compilerOptions: NODE10,
    without: ['express-session', '@types/express-session'],
  },
}

// Each project is a tsc run of several seconds: they run side by side, and each test reads its own result.
let complaints: Record<string, Promise<string>> = {}
test.before(() => {
  complaints = Object.fromEntries(Object.entries(projects).map(([name, project]) => [name, typeCheck(project)]))
  for (const pending of Object.values(complaints)) pending.catch(() => {})
})

for (const name of Object.keys(projects)) {
  test(`${name}: compiles, and refuses what it must`, async () => {
    assert.is(await complaints[name], '')
  })
}

test.run()
