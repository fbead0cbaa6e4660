import type { Server } from 'node:http'
import { inspect } from 'node:util'
import type express from 'express'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { hashedIdOf } from '../../src/features/hashed-ids/stored-ids.js'
import { userIndexPrefixesFor } from '../../src/features/user-sessions/user-index.js'
import { createRedisStore, type RedisSessionStore, type RedisStoreOptions } from '../../src/index.js'
import type { ClientHandle } from '../helpers/clients.js'
import { expressWithSession } from '../helpers/express-app.js'
import { Gates } from '../helpers/gates.js'
import type { Inspector } from '../helpers/inspector.js'
import { type ListeningApp, onLoopback } from '../helpers/loopback.js'
import { uniquePrefix } from '../helpers/sessions.js'
import type { RedisTarget } from '../helpers/suite-redis.js'

interface Signed {
  userId?: string
  note?: string
}

const userOf = (session: unknown) => (session as Signed).userId
const DAY_MS = 86_400_000

/**
 * A sign-in app: POST /login?user=..&days=.. (a new session for the user, its cookie living that many days, held at
 * the gate named by `hold` before the response, so its save comes when the test opens it), GET /me (who is signed in;
 * the visit touches the session), POST /note?hold=.. (changes the session, held the same way).
 */
function signInApp(store: RedisSessionStore, gates: Gates): express.Express {
  const app = expressWithSession(store)
  const held = async (req: express.Request) => {
    if (typeof req.query.hold === 'string') await gates.pass(req.query.hold)
  }
  app.post('/login', (req, res, next) => {
    req.session.regenerate(async (error) => {
      if (error) return next(error)
      ;(req.session as Signed).userId = String(req.query.user)
      req.session.cookie.maxAge = Number(req.query.days ?? 1) * DAY_MS
      await held(req)
      res.json({ sid: req.sessionID })
    })
  })
  app.get('/me', (req, res) => {
    res.json({ user: (req.session as Signed).userId ?? null, sid: req.sessionID })
  })
  app.post('/note', async (req, res) => {
    ;(req.session as Signed).note = String(req.query.note)
    await held(req)
    res.sendStatus(204)
  })
  return app
}

interface Instance {
  store: RedisSessionStore
  app: ListeningApp
  handle: ClientHandle
  evicted: number[]
  failures: unknown[]
  stale: string[]
}

/** A browser's cookie, which it may send to any instance: they share the secret and the prefix. */
interface Browser {
  sid: string
  cookie: string
}

type Agent = ReturnType<typeof request.agent>

/** maxSessionsPerUser over HTTP with express-session, on two app instances with a client each (and on one). */
export function sessionLimitSuite(name: string, target: RedisTarget) {
  const test = suite(`maxSessionsPerUser: ${name}`)
  let redis: Inspector
  const opened: Instance[] = []
  const gates = new Gates()

  test.before(async () => {
    redis = await target.inspector()
  })
  test.after.each(async () => {
    for (const instance of opened.splice(0)) {
      await instance.app.close()
      await instance.handle.close()
    }
  })
  test.after(async () => {
    await redis?.close()
  })

  async function instanceOn(prefix: string, options: Omit<RedisStoreOptions, 'client'>): Promise<Instance> {
    const handle = await target.connect()
    const store = createRedisStore({ client: handle.client, prefix, userId: userOf, ...options })
    const instance: Instance = { store, handle, evicted: [], failures: [], stale: [], app: undefined as never }
    store.on('sessionsEvicted', (details: { userId: string; count: number }) => instance.evicted.push(details.count))
    store.on('sessionLimitFailed', (error: unknown) => instance.failures.push(error))
    store.on('staleSession', ({ operation }: { operation: string }) => instance.stale.push(operation))
    const server: Server = signInApp(store, gates).listen(0, '127.0.0.1')
    instance.app = await onLoopback(server)
    opened.push(instance)
    return instance
  }

  /** `count` instances (each on a client of its own) sharing one prefix and limit. */
  async function fleet(count: number, options: Omit<RedisStoreOptions, 'client'>) {
    const prefix = options.prefix ?? uniquePrefix('limit')
    const instances: Instance[] = []
    for (let i = 0; i < count; i++) instances.push(await instanceOn(prefix, { ...options, prefix }))
    return { prefix, instances }
  }

  const agentOn = (instance: Instance): Agent => request.agent(instance.app.url)
  const signIn = async (agent: Agent, user: string, query: Record<string, string> = {}) =>
    (
      (
        await agent
          .post('/login')
          .query({ user, ...query })
          .expect(200)
      ).body as { sid: string }
    ).sid
  const whoIs = async (agent: Agent) => ((await agent.get('/me').expect(200)).body as { user: string | null }).user
  async function browserSignedIn(instance: Instance, user: string): Promise<Browser> {
    const response = await request(instance.app.url).post('/login').query({ user }).expect(200)
    const cookie = String(response.headers['set-cookie']?.[0] ?? '').split(';')[0] as string
    return { sid: (response.body as { sid: string }).sid, cookie }
  }
  const whoIsOn = async (instance: Instance, browser: Browser) =>
    (
      (await request(instance.app.url).get('/me').set('Cookie', browser.cookie).expect(200)).body as {
        user: string | null
      }
    ).user
  const evictedBy = (instances: Instance[]) =>
    instances.flatMap((instance) => instance.evicted).reduce((a, b) => a + b, 0)

  test('orders by last activity, not by expiry: a long-lived session signed in first goes first', async () => {
    const [instance] = (await fleet(1, { maxSessionsPerUser: 2 })).instances as [Instance]
    const [remembered, shortLived, newest] = [agentOn(instance), agentOn(instance), agentOn(instance)]
    await signIn(remembered, 'ada', { days: '30' })
    await signIn(shortLived, 'ada', { days: '1' })
    await signIn(newest, 'ada', { days: '1' })
    assert.is(await whoIs(remembered), null)
    assert.is(await whoIs(shortLived), 'ada')
    assert.is(await whoIs(newest), 'ada')
  })

  test('does not count sessions whose keys are gone', async () => {
    const { prefix, instances } = await fleet(1, { maxSessionsPerUser: 2 })
    const instance = instances[0] as Instance
    const [laptop, phone, tablet] = [agentOn(instance), agentOn(instance), agentOn(instance)]
    const laptopSid = await signIn(laptop, 'ada')
    await signIn(phone, 'ada')
    // Deleted behind the store's back: its index entry is left, and must not count.
    assert.is(await redis.del(prefix + laptopSid), 1)
    await signIn(tablet, 'ada')
    assert.is(await whoIs(phone), 'ada')
    assert.is(await whoIs(tablet), 'ada')
    assert.equal(instance.evicted, [])
  })

  for (const instanceCount of [2, 1]) {
    const where = instanceCount === 2 ? 'two instances on two clients' : 'one instance'
    test(`${where}: three simultaneous sign-ins leave the user exactly the limit, the newest`, async () => {
      const { instances } = await fleet(instanceCount, { maxSessionsPerUser: 2 })
      const on = (i: number) => instances[i % instances.length] as Instance
      for (let round = 0; round < 5; round++) {
        const user = `ada-${round}`
        const first = agentOn(on(0))
        await signIn(first, user)
        const agents = [0, 1, 2].map((i) => agentOn(on(i + 1)))
        const gateNames = agents.map((_, i) => `${user}-${i}`)
        const signIns = agents.map((agent, i) => signIn(agent, user, { hold: gateNames[i] as string }))
        await Promise.all(gateNames.map(gates.arrived))
        for (const gate of gateNames) gates.open(gate)
        await Promise.all(signIns)
        const signedIn = await Promise.all([first, ...agents].map(whoIs))
        assert.is(signedIn.filter((who) => who === user).length, 2, `round ${round}: ${signedIn}`)
        assert.is(signedIn[0], null, `round ${round}: the session signed in before the three is the oldest`)
        assert.is((await on(0).store.userSessions(user)).length, 2)
      }
      assert.is(evictedBy(instances), 10)
    })
  }

  test('a session signed out by the limit is not written back by its request still in flight', async () => {
    const { prefix, instances } = await fleet(2, { maxSessionsPerUser: 1 })
    const [first, second] = instances as [Instance, Instance]
    const laptop = agentOn(first)
    const laptopSid = await signIn(laptop, 'ada')
    const stale: string[] = []
    first.store.on('staleSession', ({ operation }: { operation: string }) => stale.push(operation))
    // then() sends it: supertest sends nothing until it is.
    const note = laptop
      .post('/note')
      .query({ note: 'typed on the laptop', hold: 'laptop-note' })
      .expect(204)
      .then(() => {})
    await gates.arrived('laptop-note')
    await signIn(agentOn(second), 'ada')
    gates.open('laptop-note')
    await note
    assert.is(await redis.exists(prefix + laptopSid), false)
    assert.is(await whoIs(laptop), null)
    assert.equal(stale, ['set'])
  })

  // However the visit's touch goes: an EXPIRE, none (lazy touch, disableTouch), or no expiry at all (disableTTL).
  for (const options of [{}, { touchAfter: 600 }, { disableTouch: true }, { disableTTL: true }] as const) {
    test(`signs out the least recently active session when a sign-in goes beyond the limit ${JSON.stringify(options)}`, async () => {
      const [instance] = (await fleet(1, { maxSessionsPerUser: 2, ...options })).instances as [Instance]
      const [laptop, phone, tablet] = [agentOn(instance), agentOn(instance), agentOn(instance)]
      await signIn(laptop, 'ada')
      await signIn(phone, 'ada')
      // The laptop is used again after the phone signed in: the phone is now the least recently active.
      assert.is(await whoIs(laptop), 'ada')
      await signIn(tablet, 'ada')
      assert.is(await whoIs(phone), null)
      assert.is(await whoIs(laptop), 'ada')
      assert.is(await whoIs(tablet), 'ada')
      assert.is((await instance.store.userSessions('ada')).length, 2)
      assert.equal(instance.evicted, [1])
    })
  }

  for (const laptopUsedLast of [false, true]) {
    test(`hashSessionIds 'migrate': a session moving to its hashed key counts once${laptopUsedLast ? ', used last' : ''}`, async () => {
      const prefix = uniquePrefix('limit')
      const before = await instanceOn(prefix, { maxSessionsPerUser: 2 })
      const migrating = await instanceOn(prefix, { maxSessionsPerUser: 2, hashSessionIds: 'migrate' })
      const laptop = await browserSignedIn(before, 'ada')
      const phone = await browserSignedIn(before, 'ada')
      // Used again where it does not move: the phone becomes the least recently active.
      if (laptopUsedLast) assert.is(await whoIsOn(before, laptop), 'ada')
      // The visit moves the laptop to its hashed key: for a moment both keys hold it, and the index lists both.
      assert.is(await whoIsOn(migrating, laptop), 'ada')
      assert.ok(await redis.exists(prefix + hashedIdOf(laptop.sid)), 'the laptop now lives on its hashed key')
      assert.is(await whoIsOn(migrating, phone), 'ada')
      assert.is(await whoIsOn(migrating, laptop), 'ada')
      assert.equal([...before.evicted, ...migrating.evicted], [])
      assert.equal([...before.stale, ...migrating.stale], [])
    })
  }

  for (const limit of [{}, { maxSessionsPerUser: 2 }]) {
    const named = JSON.stringify(limit)
    test(`${named} disableTouch, hashSessionIds 'migrate': a touch moves no expiry, not by moving the session either`, async () => {
      const prefix = uniquePrefix('limit')
      const before = await instanceOn(prefix, { ...limit, disableTouch: true })
      const migrating = await instanceOn(prefix, { ...limit, disableTouch: true, hashSessionIds: 'migrate' })
      const laptop = await browserSignedIn(before, 'ada')
      // Saved a while ago: a minute left of its lifetime, which disableTouch keeps fixed however active its user.
      await redis.pExpire(prefix + laptop.sid, 60_000)
      assert.is(await whoIsOn(migrating, laptop), 'ada')
      const left = Math.max(await redis.pTTL(prefix + laptop.sid), await redis.pTTL(prefix + hashedIdOf(laptop.sid)))
      assert.ok(left <= 60_000, `the visit gave the session ${left} ms to live`)
    })

    test(`${named} disableTouch: a touch of a session whose cookie has expired deletes nothing`, async () => {
      const { prefix, instances } = await fleet(1, { ...limit, disableTouch: true })
      const instance = instances[0] as Instance
      const signedIn = { cookie: { originalMaxAge: DAY_MS, expires: new Date(Date.now() + DAY_MS) }, userId: 'ada' }
      await instance.store.set('phone', signedIn as never)
      const lapsed = { cookie: { originalMaxAge: DAY_MS, expires: new Date(Date.now() - 1000) }, userId: 'ada' }
      await instance.store.touch('phone', lapsed as never)
      assert.ok(await redis.exists(`${prefix}phone`), 'disableTouch: touch() does nothing')
    })
  }

  test('waiting for a lock a dead instance left takes a small part of the timeout: the save succeeds', async () => {
    const { prefix, instances } = await fleet(1, { maxSessionsPerUser: 1, timeout: 400 })
    const instance = instances[0] as Instance
    await signIn(agentOn(instance), 'ada')
    // What an instance that died while it enforced leaves: its lock, which expires on its own 2 s later.
    const lockKey = `${userIndexPrefixesFor(prefix)[3]}ada`
    await redis.set(lockKey, 'a dead instance')
    await redis.pExpire(lockKey, 2000)
    // Called as express-session calls it: over HTTP the response has gone by the time a save could fail.
    const signedIn = { cookie: { originalMaxAge: DAY_MS, expires: new Date(Date.now() + DAY_MS) }, userId: 'ada' }
    const saved = await instance.store.set('phone', signedIn as never).then(
      () => 'saved',
      (error: unknown) => String(error),
    )
    assert.is(saved, 'saved')
    assert.ok(await redis.exists(`${prefix}phone`))
    assert.equal(await instance.store.userSessions('ada'), ['phone'], 'enforced without the lock')
  })

  test('sessions filed before the limit was set count as the oldest, in order of expiry', async () => {
    const prefix = uniquePrefix('limit')
    const before = await instanceOn(prefix, {})
    const [laptop, phone] = [agentOn(before), agentOn(before)]
    await signIn(laptop, 'ada')
    await signIn(phone, 'ada')
    const limited = await instanceOn(prefix, { maxSessionsPerUser: 2 })
    await signIn(agentOn(limited), 'ada')
    assert.is(await whoIs(laptop), null)
    assert.is(await whoIs(phone), 'ada')
  })

  test('a limit that cannot be checked fails no sign-in, and says so', async () => {
    const { prefix, instances } = await fleet(1, { maxSessionsPerUser: 1 })
    const instance = instances[0] as Instance
    // A value of the wrong type where the user's activity is kept: every script on it fails (WRONGTYPE).
    const activityKey = `${userIndexPrefixesFor(prefix)[2]}ada`
    await redis.set(activityKey, 'not a sorted set')
    const [laptop, phone] = [agentOn(instance), agentOn(instance)]
    const sids = [await signIn(laptop, 'ada'), await signIn(phone, 'ada')]
    assert.is(await whoIs(phone), 'ada')
    assert.ok(instance.failures.length > 0)
    assert.ok(instance.failures.every((error) => error instanceof Error && /WRONGTYPE/.test(error.message)))
    // A session id is a credential, and such errors get logged (ioredis puts the command's arguments on its errors).
    for (const error of instance.failures) {
      const told = inspect(error, { depth: 8 })
      for (const sid of sids) assert.not.ok(told.includes(sid), `a session id in the error: ${told}`)
    }
  })

  test('clear() removes the activity and lock keys with the sessions', async () => {
    const { prefix, instances } = await fleet(1, { maxSessionsPerUser: 1 })
    const instance = instances[0] as Instance
    await signIn(agentOn(instance), 'ada')
    await signIn(agentOn(instance), 'ada')
    const ours = async () => {
      const leads = userIndexPrefixesFor(prefix)
      return (await redis.keys()).filter((key) => key.startsWith(prefix) || leads.some((lead) => key.startsWith(lead)))
    }
    assert.ok((await ours()).some((key) => key.startsWith(userIndexPrefixesFor(prefix)[2] as string)))
    await instance.store.clear()
    assert.equal(await ours(), [])
  })

  return test
}
