import { createHash } from 'node:crypto'
import type { ErrorRequestHandler, Express } from 'express'
import { createClient } from 'redis'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import type { SupportedClient } from '../src/index.js'
import {
  createEncryptedSerializer,
  createRedisStore,
  HASHED_ID_MARKER,
  type HashSessionIdsOption,
  hashedIdOf,
  type RedisSessionStore,
  type RedisStoreOptions,
  type SessionWithId,
} from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { expressWithSession, sidIn, visit } from './helpers/express-app.js'
import { holdFirst } from './helpers/held-commands.js'
import type { Inspector } from './helpers/inspector.js'
import { watchCommands } from './helpers/monitor.js'
import type { ServerProcess } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

// Worked out here rather than with the package's hashedIdOf: the test states the format.
const hashed = (sid: string) => `~${createHash('sha256').update(sid).digest('base64url')}`

type Fields = { visits?: number; userId?: string; [key: string]: unknown }
const userId = (session: object) => (session as Fields).userId

/**
 * GET /visit counts visits (and with ?user= signs the session in), saving before it answers; /devices marks the
 * user's sessions that are this one; /logout-others and /logout sign out. Errors answer 500 and are kept.
 */
function fleetApp(store: RedisSessionStore, genid?: () => string) {
  const app = expressWithSession(store, genid ? { genid } : {})
  const errors: unknown[] = []
  app.get('/visit', (req, res, next) => {
    const data = req.session as unknown as Fields
    data.visits = (data.visits ?? 0) + 1
    if (typeof req.query.user === 'string') data.userId = req.query.user
    req.session.save((error) => (error ? next(error) : res.json(data.visits)))
  })
  app.get('/devices', async (req, res) => {
    const ids = await store.userSessions(String((req.session as unknown as Fields).userId))
    const mine = [req.sessionID, hashedIdOf(req.sessionID)]
    res.json(ids.map((id) => mine.includes(id)).sort())
  })
  app.get('/logout-others', async (req, res) => {
    const others = { except: req.sessionID }
    res.json(await store.destroyUserSessions(String((req.session as unknown as Fields).userId), others))
  })
  app.get('/logout', (req, res, next) => req.session.destroy((error) => (error ? next(error) : res.json('out'))))
  const keep: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error)
    res.status(500).json('error')
  }
  app.use(keep)
  return { app, errors }
}

/** A browser: one session cookie, kept from whichever app instance set it last. */
function browser() {
  let cookie: string | undefined
  return {
    async get(app: Express, path: string): Promise<unknown> {
      const reply = await visit(app, path, cookie)
      cookie = reply.cookie ?? cookie
      return JSON.parse(reply.body)
    },
    sid: () => sidIn(cookie),
  }
}

/** Each session's id and one of its fields. */
const idsWith = (sessions: SessionWithId[], field: string) =>
  sessions.map((session) => [session.id, (session as object as Fields)[field]])

/** Every key under the prefix, sorted. */
const keysUnder = async (redis: Inspector, prefix: string) =>
  (await redis.keys()).filter((key) => key.startsWith(prefix)).sort()

const options = suite('the hashSessionIds option')
// Never connected: creating a store sends nothing.
const unconnected = createClient()

options('takes true, false, "read" and "migrate"', () => {
  for (const value of [true, false, 'read', 'migrate'] as const) {
    assert.type(createRedisStore({ client: unconnected, hashSessionIds: value }).get, 'function')
  }
})

options('refuses anything else with a TypeError that names it', () => {
  for (const value of ['true', 'yes', 'write', 1, 0, null, {}]) {
    assert.throws(
      () => createRedisStore({ client: unconnected, hashSessionIds: value } as unknown as RedisStoreOptions),
      (error: unknown) =>
        error instanceof TypeError && /^redis-session-store: option "hashSessionIds" must be/.test(error.message),
    )
  }
})

options.run()

const on = suite<Record<string, never>>('hashSessionIds: true, keys hold hashes of the session ids')
let server: ServerProcess
let handle: ClientHandle
let redis: Inspector
redisFor(on, (started) => ({ server, handle, redis } = started))

const hashingStore = (more: Partial<RedisStoreOptions> = {}) => {
  const prefix = uniquePrefix('hash')
  return { prefix, store: createRedisStore({ client: handle.client, prefix, hashSessionIds: true, userId, ...more }) }
}

on('over HTTP, no key and no command carries a session id: visits, sessions per user, sign-outs', async () => {
  const { prefix, store } = hashingStore()
  const { app } = fleetApp(store)
  const watch = await watchCommands(server)
  const [laptop, phone] = [browser(), browser()]
  assert.is(await laptop.get(app, '/visit?user=ada'), 1)
  assert.is(await laptop.get(app, '/visit'), 2)
  assert.is(await phone.get(app, '/visit?user=ada'), 1)
  const sids = [laptop.sid(), phone.sid()]
  assert.equal(await laptop.get(app, '/devices'), [false, true])
  assert.equal(await keysUnder(redis, prefix), sids.map((sid) => prefix + hashed(sid)).sort())
  assert.equal((await redis.zRange(`${userIndexPrefixFor(prefix)}ada`, 0, -1)).sort(), sids.map(hashed).sort())
  assert.is(await laptop.get(app, '/logout-others'), 1)
  assert.is(await phone.get(app, '/visit'), 1)
  sids.push(phone.sid())
  assert.is(await laptop.get(app, '/logout'), 'out')
  const commands = await watch.stop()
  const sent = commands.flat()
  for (const sid of sids)
    assert.not.ok(
      sent.some((argument) => argument.includes(sid)),
      'a command carried a sid',
    )
  assert.ok(sent.includes(prefix + hashed(sids[0] as string)), 'the watch saw the laptop session')
  for (const sid of sids) assert.not.ok((await redis.keys()).some((key) => key.includes(sid)))
})

on('ids(), all(), sessions() and userSessions() return ids that get, set, touch, destroy and except take', async () => {
  const { prefix, store } = hashingStore()
  const [a, b, c] = ['sid-a', 'sid-b', 'sid-c']
  for (const sid of [a, b, c]) await store.set(sid, sessionFor({ userId: 'ada', name: sid }))
  const expected = [a, b, c].map(hashed).sort()
  assert.equal((await store.ids()).sort(), expected)
  assert.equal((await store.all()).map((session) => session.id).sort(), expected)
  const iterated: string[] = []
  for await (const session of store.sessions()) iterated.push(session.id)
  assert.equal(iterated.sort(), expected)
  assert.equal((await store.userSessions('ada')).sort(), expected)

  const found = (await store.all()).find((session) => session.id === hashed(a)) as TestSession & { id: string }
  found.note = 'written back by its id'
  await store.set(found.id, found)
  assert.is(((await store.get(a)) as TestSession).note, 'written back by its id')
  const loaded = (await store.get(hashed(b))) as TestSession
  assert.is(loaded.name, b)
  await redis.pExpire(prefix + hashed(b), 60_000)
  await store.touch(hashed(b), loaded)
  assert.ok((await redis.ttl(prefix + hashed(b))) > 60)

  assert.is(await store.destroyUserSessions('ada', { except: hashed(a) }), 2)
  assert.equal(await store.ids(), [hashed(a)])
  await store.set(b, sessionFor({ userId: 'ada' }))
  assert.is(await store.destroyUserSessions('ada', { except: a }), 1)
  await store.destroy(hashed(a))
  assert.equal(await keysUnder(redis, prefix), [])
})

on('refuses a new session under an id with the marker, from a genid that makes them, writing nothing', async () => {
  const { prefix, store } = hashingStore()
  const lookalike = hashed('not a session id')
  const { app, errors } = fleetApp(store, () => lookalike)
  await request(app).get('/visit').expect(500)
  assert.instance(errors[0], TypeError)
  assert.match((errors[0] as Error).message, /hashSessionIds, an id that starts with "~" is one the store returned/)
  assert.not.ok((errors[0] as Error).message.includes(lookalike.slice(1)))
  assert.equal(await keysUnder(redis, prefix), [])
})

on('refuses a malformed id with the marker before sending anything, without quoting it', async () => {
  const { store } = hashingStore()
  const gets = await redis.calls('get')
  for (const id of ['~', '~short', `${hashed('x')}=`, `~${'!'.repeat(43)}`]) {
    const error = await store.get(id).catch((e: unknown) => e)
    assert.instance(error, TypeError, id)
    assert.match((error as Error).message, /must be one the store returned/)
    if (id.length > 1) assert.not.ok((error as Error).message.includes(id.slice(1)), id)
    assert.instance(await store.destroy(id).catch((e: unknown) => e), TypeError)
    assert.instance(await store.destroyUserSessions('ada', { except: id }).catch((e: unknown) => e), TypeError)
  }
  assert.is(await redis.calls('get'), gets)
})

on('takes a genid that makes 43-character base64url ids for what it is: a session id, stored hashed', async () => {
  const { prefix, store } = hashingStore()
  const sid = createHash('sha256').update('a custom genid').digest('base64url')
  const { app } = fleetApp(store, () => sid)
  const visitor = browser()
  assert.is(await visitor.get(app, '/visit'), 1)
  assert.is(await visitor.get(app, '/visit'), 2)
  assert.equal(await keysUnder(redis, prefix), [prefix + hashed(sid)])
})

on('with encryption, binds the hashed id into the ciphertext, so that bulk reads decrypt', async () => {
  const serializer = createEncryptedSerializer({ secrets: ['a secret that is long enough to be accepted!'] })
  const { prefix, store } = hashingStore({ serializer })
  await store.set('sid-e', sessionFor({ userId: 'ada', secret: 'plans' }))
  const text = (await redis.get(prefix + hashed('sid-e'))) ?? ''
  assert.equal(serializer.parse(text, hashed('sid-e')), sessionFor({ userId: 'ada', secret: 'plans' }))
  assert.throws(() => serializer.parse(text, 'sid-e'))
  const all = await store.all()
  assert.equal(idsWith(all, 'secret'), [[hashed('sid-e'), 'plans']])
  for await (const session of store.sessions()) assert.equal(idsWith([session], 'secret'), [[hashed('sid-e'), 'plans']])
  assert.equal(await store.userSessions('ada'), [hashed('sid-e')])
  await redis.set(prefix + hashed('sid-f'), text)
  assert.is(await store.get('sid-f'), null)
})

on.run()

const rolling = suite<Record<string, never>>('turning hashSessionIds on without signing anyone out')
let fleetHandle: ClientHandle
let fleetRedis: Inspector
redisFor(rolling, (started) => ({ handle: fleetHandle, redis: fleetRedis } = started))

const fleetOf = (prefix: string, more: Partial<RedisStoreOptions> = {}) => {
  const storeIn = (hashSessionIds: HashSessionIdsOption) =>
    createRedisStore({ client: fleetHandle.client, prefix, userId, hashSessionIds, ...more })
  return { off: storeIn(false), read: storeIn('read'), migrate: storeIn('migrate'), on: storeIn(true) }
}

rolling('over HTTP, visit counters go on while the fleet goes from false to "read" to "migrate" to true', async () => {
  const prefix = uniquePrefix('fleet')
  const stores = fleetOf(prefix)
  const { off, read, migrate, on } = {
    off: fleetApp(stores.off).app,
    read: fleetApp(stores.read).app,
    migrate: fleetApp(stores.migrate).app,
    on: fleetApp(stores.on).app,
  }
  const [ada, bob, eve] = [browser(), browser(), browser()]
  const counts = new Map([
    [ada, 0],
    [bob, 0],
    [eve, 0],
  ])
  const visitOn = async (app: Express, who: ReturnType<typeof browser>, user = '') => {
    const visits = (counts.get(who) as number) + 1
    counts.set(who, visits)
    assert.is(await who.get(app, `/visit${user && `?user=${user}`}`), visits, `visit ${visits}`)
  }

  // Before: every instance writes raw keys. Then half the fleet reads hashed keys too, and still writes raw ones.
  await visitOn(off, ada, 'ada')
  for (const app of [read, off, read, off]) await visitOn(app, ada)
  await visitOn(read, bob, 'ada')
  await visitOn(off, bob)
  assert.equal(await keysUnder(fleetRedis, prefix), [prefix + ada.sid(), prefix + bob.sid()].sort())

  // The fleet in "read", then half of it in "migrate": sessions move to their hashed keys as they are visited.
  await visitOn(migrate, ada)
  assert.equal(await keysUnder(fleetRedis, prefix), [prefix + hashed(ada.sid()), prefix + bob.sid()].sort())
  for (const app of [read, migrate, read]) await visitOn(app, ada)
  await visitOn(read, bob)
  await visitOn(migrate, eve, 'ada')
  await visitOn(read, eve)
  for (const app of [read, migrate, read]) await visitOn(app, bob)

  // Every session moved: the fleet goes to true, and nothing under the prefix or in the index is a session id.
  for (const who of [ada, bob, eve]) await visitOn(on, who)
  const sids = [ada.sid(), bob.sid(), eve.sid()]
  assert.equal(await keysUnder(fleetRedis, prefix), sids.map((sid) => prefix + hashed(sid)).sort())
  assert.equal((await fleetRedis.zRange(`${userIndexPrefixFor(prefix)}ada`, 0, -1)).sort(), sids.map(hashed).sort())
  assert.is(await ada.get(on, '/logout-others'), 2)
  assert.equal(await keysUnder(fleetRedis, prefix), [prefix + hashed(ada.sid())])
})

rolling('a session moved in "migrate" is encrypted again for its hashed id, and still read', async () => {
  const prefix = uniquePrefix('fleet-enc')
  const serializer = createEncryptedSerializer({ secrets: ['another secret, long enough to be accepted'] })
  const { off, migrate, on } = fleetOf(prefix, { serializer })
  await off.set('sid-enc', sessionFor({ visits: 1 }))
  const loaded = (await migrate.get('sid-enc')) as TestSession
  loaded.visits = 2
  await migrate.set('sid-enc', loaded)
  assert.equal(await keysUnder(fleetRedis, prefix), [prefix + hashed('sid-enc')])
  assert.is(((await on.get('sid-enc')) as TestSession).visits, 2)
  assert.equal(idsWith(await on.all(), 'visits'), [[hashed('sid-enc'), 2]])
})

rolling('a touch in "migrate" moves the session too, and a touch in "read" follows it to its hashed key', async () => {
  const prefix = uniquePrefix('fleet-touch')
  const { off, read, migrate } = fleetOf(prefix)
  await off.set('sid-t', sessionFor({ visits: 1 }))
  const readByRead = (await read.get('sid-t')) as TestSession
  await migrate.touch('sid-t', (await migrate.get('sid-t')) as TestSession)
  assert.equal(await keysUnder(fleetRedis, prefix), [prefix + hashed('sid-t')])
  await fleetRedis.pExpire(prefix + hashed('sid-t'), 60_000)
  const stale: unknown[] = []
  read.on('staleSession', (details) => stale.push(details))
  await read.touch('sid-t', readByRead)
  assert.ok((await fleetRedis.ttl(prefix + hashed('sid-t'))) > 60)
  assert.equal(stale, [])
})

rolling.run()

const races = suite<Record<string, never>>('a session moved to its hashed key while other requests hold it')
let raceServer: ServerProcess
let raceHandle: ClientHandle
let raceRedis: Inspector
const extraHandles: ClientHandle[] = []
redisFor(
  races,
  { library: 'ioredis 6' },
  (started) => ({ server: raceServer, handle: raceHandle, redis: raceRedis } = started),
)
races.after(async () => {
  for (const extra of extraHandles) await extra.close()
})

/**
 * Stores on one prefix, one per mode. `held(mode, matches)` gives a store on a client of its own whose first
 * command that `matches` (its method and key) waits until released: one slow to land.
 */
async function raceFleet() {
  const prefix = uniquePrefix('race')
  const storeIn = (hashSessionIds: HashSessionIdsOption, client: SupportedClient = raceHandle.client) =>
    createRedisStore({ client, prefix, hashSessionIds })
  const held = async (mode: HashSessionIdsOption, matches: (method: string, key: unknown) => boolean) => {
    const extra = await connectClient('ioredis 6', raceServer)
    extraHandles.push(extra)
    await extra.connected
    const { client, held } = holdFirst(extra.client as object, (method, args) =>
      matches(method, method === 'evalsha' || method === 'eval' ? args[2] : args[0]),
    )
    return { store: storeIn(mode, client as SupportedClient), held }
  }
  const heldOn = (key: string, method: string) =>
    held('migrate', (called, target) => called === method && target === prefix + key)
  const rawSession = async (sid: string, fields: Record<string, unknown>) => storeIn(false).set(sid, sessionFor(fields))
  const stored = async (sid: string) => {
    const text = await raceRedis.get(prefix + hashed(sid))
    return text === null ? null : (JSON.parse(text) as Fields)
  }
  return { prefix, read: storeIn('read'), migrate: storeIn('migrate'), held, heldOn, rawSession, stored }
}

/** Two requests read the session from its raw key, on stores in these modes, then save a change each, in this order. */
const overlaps: Array<[name: string, modes: ['read' | 'migrate', 'read' | 'migrate'], saves: [0 | 1, 0 | 1]]> = [
  ['a save in "read" that finds the raw key moved is merged into the hashed key', ['read', 'migrate'], [1, 0]],
  ['a move carries over a save made on the raw key in "read" after the session was read', ['migrate', 'read'], [1, 0]],
  [
    'two requests that read the session from its raw key both keep their changes when they move it',
    ['migrate', 'migrate'],
    [0, 1],
  ],
]

for (const [name, modes, saves] of overlaps) {
  races(name, async () => {
    const fleet = await raceFleet()
    await fleet.rawSession('s', { count: 0 })
    const loaded = [(await fleet[modes[0]].get('s')) as TestSession, (await fleet[modes[1]].get('s')) as TestSession]
    for (const i of saves) {
      ;(loaded[i] as TestSession)[`change${i}`] = modes[i]
      await fleet[modes[i]].set('s', loaded[i] as TestSession)
    }
    assert.equal(await keysUnder(raceRedis, fleet.prefix), [fleet.prefix + hashed('s')])
    assert.equal(await fleet.stored('s'), { ...sessionFor({ count: 0 }), change0: modes[0], change1: modes[1] })
  })
}

races('a session destroyed after a request read it from its raw key is not revived by its move', async () => {
  const { prefix, read, migrate, rawSession } = await raceFleet()
  await rawSession('s4', { count: 0 })
  const onMigrate = (await migrate.get('s4')) as TestSession
  await read.destroy('s4')
  const stale: unknown[] = []
  migrate.on('staleSession', (details) => stale.push(details))
  onMigrate.count = 1
  await migrate.set('s4', onMigrate)
  assert.equal(await keysUnder(raceRedis, prefix), [])
  assert.equal(stale, [{ operation: 'set' }])
})

races('a session read in bulk in "read" and written back after its move goes to its hashed key', async () => {
  const { prefix, read, migrate, rawSession, stored } = await raceFleet()
  await rawSession('s5', { count: 0 })
  const [inBulk] = await read.all()
  await migrate.touch('s5', (await migrate.get('s5')) as TestSession)
  ;(inBulk as object as Fields).count = 1
  await read.set('s5', inBulk as unknown as TestSession)
  assert.equal(await keysUnder(raceRedis, prefix), [prefix + hashed('s5')])
  assert.equal(await stored('s5'), { ...sessionFor({ count: 1 }), id: 's5' })
})

races('a read that misses both keys while the session moves looks at the hashed key again', async () => {
  const { read, migrate, heldOn, rawSession } = await raceFleet()
  await rawSession('s6', { count: 0 })
  const onMigrate = (await migrate.get('s6')) as TestSession
  const { store: reading, held } = await heldOn('s6', 'get')
  const reads = reading.get('s6')
  await held.arrived
  onMigrate.count = 1
  await migrate.set('s6', onMigrate)
  held.release()
  assert.is(((await reads) as TestSession | null)?.count, 1)
  assert.is(((await read.get('s6')) as TestSession).count, 1)
})

races('a destroy whose second delete lands late still wins over a move that runs in between', async () => {
  const { prefix, migrate, held, rawSession } = await raceFleet()
  await rawSession('s7', { count: 0 })
  const onMigrate = (await migrate.get('s7')) as TestSession
  let deletes = 0
  const { store: destroying, held: secondDelete } = await held('read', (method) => method === 'del' && ++deletes === 2)
  const destroyed = destroying.destroy('s7')
  await secondDelete.arrived
  onMigrate.count = 1
  await migrate.set('s7', onMigrate)
  secondDelete.release()
  await destroyed
  assert.equal(await keysUnder(raceRedis, prefix), [])
  assert.is(await migrate.get('s7'), null)
})

races('the README sweep in "migrate" moves the sessions nobody visits, keeping their expiry', async () => {
  const { prefix, migrate, rawSession } = await raceFleet()
  for (const sid of ['idle-1', 'idle-2']) {
    await rawSession(sid, { idle: sid })
    await raceRedis.pExpire(prefix + sid, 60_000)
  }
  for await (const session of migrate.sessions()) {
    if (session.id.startsWith(HASHED_ID_MARKER)) continue
    session.cookie.expires = new Date(Date.now() + (await raceRedis.pTTL(prefix + session.id)))
    await migrate.touch(session.id, session)
  }
  assert.equal(await keysUnder(raceRedis, prefix), [prefix + hashed('idle-1'), prefix + hashed('idle-2')].sort())
  assert.is(((await migrate.get('idle-2')) as TestSession).idle, 'idle-2')
  for (const sid of ['idle-1', 'idle-2']) {
    const seconds = await raceRedis.ttl(prefix + hashed(sid))
    assert.ok(seconds > 0 && seconds <= 60, `${seconds}`)
  }
})

races.run()
