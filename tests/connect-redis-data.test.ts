import { RedisStore as ConnectRedisStore } from 'connect-redis'
import type { SessionData } from 'express-session'
import { createClient } from 'redis'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type SessionWithId } from '../src/index.js'
import { type VisitReply, visitCountingApp } from './helpers/express-app.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

type Client = ReturnType<typeof createClient>

// connect-redis 9 (a dev dependency) and this store, on one node-redis client: what a rolling deploy from one to the
// other runs, with old and new instances side by side on the same keys.
let server: ServerProcess
let client: Client

/** Both stores with the same prefix on the same client; null leaves it to both stores' default, 'sess:'. */
function storesWith(prefix: string | null = uniquePrefix('cr')) {
  const options = prefix === null ? {} : { prefix }
  return {
    prefix: prefix ?? 'sess:',
    theirs: new ConnectRedisStore({ client, ...options }),
    ours: createRedisStore({ client, ...options }),
  }
}

const MINUTE = 60_000

/**
 * A session as express-session hands it to a store: with a cookie maxAge (and so an expiry), or without. Half a second
 * over the whole seconds, so that rounding down instead of up would show.
 */
function sessionExpiringIn(ms: number | null, fields: Record<string, unknown>): TestSession {
  const cookie = ms === null ? {} : { originalMaxAge: ms + 500, expires: new Date(Date.now() + ms + 500) }
  return sessionFor(fields, cookie)
}

/** The session as it reads back from JSON: dates as ISO strings. */
const asStored = (session: TestSession) => JSON.parse(JSON.stringify(session)) as TestSession

/** When the key expires, in Unix milliseconds by Redis's clock (-1: never, -2: no key). */
const expiresAt = (key: string) => client.pExpireTime(key)

/** The key expires when the cookie does, rounded up to the second (Redis takes whole seconds), as both stores round. */
function assertExpiresWithCookie(at: number, session: TestSession): void {
  const cookieEnds = new Date(session.cookie.expires as Date).getTime()
  assert.ok(at >= cookieEnds && at < cookieEnds + 1_000 + 100, `key expires at ${at}, cookie at ${cookieEnds}`)
}

const byId = (sessions: SessionWithId[]) => [...sessions].sort((a, b) => a.id.localeCompare(b.id))

const fromTheirs = suite('sessions connect-redis 9 wrote, read by this store (same client, same prefix)')

fromTheirs.before(async () => {
  server = await startRedis()
  client = createClient({ socket: { host: server.host, port: server.port } })
  client.on('error', () => {})
  await client.connect()
})

fromTheirs('the two write the same bytes and the same expiry, under the same default key', async () => {
  const { prefix, theirs, ours } = storesWith(null)
  for (const ms of [10 * MINUTE, null]) {
    const session = sessionExpiringIn(ms, { user: 'ada', visits: 3 })
    await theirs.set('by-connect-redis', session as unknown as SessionData)
    await ours.set('by-us', session)
    assert.is(await client.get('sess:by-us'), await client.get('sess:by-connect-redis'))
    assert.is(await client.get('sess:by-us'), JSON.stringify(session))
    const [a, b] = [await expiresAt(`${prefix}by-connect-redis`), await expiresAt(`${prefix}by-us`)]
    assert.ok(Math.abs(a - b) <= 100, `${a} and ${b}`)
    if (ms === null)
      assert.ok(Math.abs(a - (Date.now() + 86_400_000)) < 2_000, 'no cookie expiry: 86400 s, the default ttl')
    else for (const at of [a, b]) assertExpiresWithCookie(at, session)
  }
  await ours.clear()
})

fromTheirs('get, all, ids and length read them, with and without a cookie expiry', async () => {
  const { theirs, ours } = storesWith()
  const expiring = sessionExpiringIn(10 * MINUTE, { user: 'ada', visits: 3 })
  const lasting = sessionExpiringIn(null, { user: 'bob', cart: [1, 2] })
  await theirs.set('expiring', expiring as unknown as SessionData)
  await theirs.set('lasting', lasting as unknown as SessionData)
  assert.equal(await ours.get('expiring'), asStored(expiring))
  assert.equal(await ours.get('lasting'), asStored(lasting))
  assert.equal(byId(await ours.all()), [
    { ...asStored(expiring), id: 'expiring' },
    { ...asStored(lasting), id: 'lasting' },
  ])
  assert.equal((await ours.ids()).sort(), ['expiring', 'lasting'])
  assert.is(await ours.length(), 2)
  const iterated: string[] = []
  for await (const session of ours.sessions()) iterated.push(session.id)
  assert.equal(iterated.sort(), ['expiring', 'lasting'])
})

fromTheirs('touch moves the expiry of their key without rewriting it, and destroy removes it', async () => {
  const { prefix, theirs, ours } = storesWith()
  const session = sessionExpiringIn(10 * MINUTE, { user: 'ada' })
  await theirs.set('s', session as unknown as SessionData)
  const text = await client.get(`${prefix}s`)
  const renewed = sessionExpiringIn(30 * MINUTE, { user: 'ada' })
  await ours.touch('s', renewed)
  assertExpiresWithCookie(await expiresAt(`${prefix}s`), renewed)
  assert.is(await client.get(`${prefix}s`), text)
  assert.equal(await theirs.get('s'), asStored(session))
  await ours.destroy('s')
  assert.is(await client.exists(`${prefix}s`), 0)
  assert.is(await theirs.get('s'), null)
})

fromTheirs("clear() removes connect-redis's sessions under the prefix, and no others", async () => {
  const { theirs, ours } = storesWith()
  const neighbour = storesWith()
  for (const sid of ['a', 'b', 'c']) await theirs.set(sid, sessionFor() as unknown as SessionData)
  await neighbour.theirs.set('kept', sessionFor() as unknown as SessionData)
  await ours.clear()
  assert.is(await theirs.length(), 0)
  assert.equal(await neighbour.ours.ids(), ['kept'])
})

fromTheirs.run()

const fromOurs = suite('sessions this store wrote, read by connect-redis 9 (same client, same prefix)')

fromOurs('get, all, ids and length read them, with and without a cookie expiry', async () => {
  const { theirs, ours } = storesWith()
  const expiring = sessionExpiringIn(10 * MINUTE, { user: 'ada', visits: 3 })
  const lasting = sessionExpiringIn(null, { user: 'bob', cart: [1, 2] })
  await ours.set('expiring', expiring)
  await ours.set('lasting', lasting)
  assert.equal(await theirs.get('expiring'), asStored(expiring))
  assert.equal(await theirs.get('lasting'), asStored(lasting))
  assert.equal(byId(await theirs.all()), [
    { ...asStored(expiring), id: 'expiring' },
    { ...asStored(lasting), id: 'lasting' },
  ])
  assert.equal(((await theirs.ids()) as string[]).sort(), ['expiring', 'lasting'])
  assert.is(await theirs.length(), 2)
})

fromOurs('their touch moves the expiry of our key, and their destroy removes it', async () => {
  const { prefix, theirs, ours } = storesWith()
  const session = sessionExpiringIn(10 * MINUTE, { user: 'ada' })
  await ours.set('s', session)
  const renewed = sessionExpiringIn(30 * MINUTE, { user: 'ada' })
  await theirs.touch('s', renewed as unknown as SessionData)
  assertExpiresWithCookie(await expiresAt(`${prefix}s`), renewed)
  assert.equal(await ours.get('s'), asStored(session))
  await theirs.destroy('s')
  assert.is(await ours.get('s'), null)
})

fromOurs(
  "with the userId option, the user index is invisible to connect-redis's ids, length, all and clear",
  async () => {
    const { prefix, theirs } = storesWith()
    const ours = createRedisStore({ client, prefix, userId: (session) => (session as TestSession).user as string })
    await ours.set('a', sessionFor({ user: 'ada' }))
    await ours.set('b', sessionFor({ user: 'ada' }))
    assert.equal(((await theirs.ids()) as string[]).sort(), ['a', 'b'])
    assert.is(await theirs.length(), 2)
    assert.is(((await theirs.all()) as unknown[]).length, 2)
    // An old instance's clear() takes the sessions and leaves the index, which prunes what it lists.
    await theirs.clear()
    assert.equal(await ours.userSessions('ada'), [])
    assert.is(await ours.destroyUserSessions('ada'), 0)
  },
)

fromOurs.run()

const rolling = suite('a rolling deploy over HTTP: an app on connect-redis and an app on this store, one visit counter')

rolling.after(async () => {
  await client.disconnect()
  await server.stop()
})

/** One visit of the browser (its cookie, if it has one) to the app; the cookie it holds afterwards. */
async function visit(app: Parameters<typeof request>[0], cookie: string | undefined) {
  const call = request(app).get('/visit')
  if (cookie) call.set('Cookie', cookie)
  const response = await call.expect(200)
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]
  return { reply: response.body as VisitReply, cookie: setCookie?.split(';')[0] ?? cookie }
}

rolling('the count goes on as the visitor is served by one app, then the other, and back', async () => {
  const { prefix, theirs, ours } = storesWith()
  const old = visitCountingApp(theirs)
  const next = visitCountingApp(ours)
  let cookie: string | undefined
  const counted: number[] = []
  for (const app of [old, next, old, next, next, old]) {
    const { reply, cookie: held } = await visit(app.app, cookie)
    counted.push(reply.visits)
    cookie = held
  }
  assert.equal(counted, [1, 2, 3, 4, 5, 6])
  assert.equal(old.errors, [])
  assert.equal(next.errors, [])
  // One session all along, under the same key.
  const keys = await client.keys(`${prefix}*`)
  assert.is(keys.length, 1)
  assert.is(JSON.parse((await client.get(keys[0] as string)) ?? 'null').visits, 6)
  assert.is(await theirs.length(), 1)
  assert.is(await ours.length(), 1)
})

rolling.run()
