import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createRedisStore,
  hashedIdOf,
  type RedisStoreOptions,
  type SessionRecord,
  type SessionWithId,
} from '../../src/index.js'
import type { ClientHandle } from '../helpers/clients.js'
import type { Inspector } from '../helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from '../helpers/sessions.js'
import { connectedFor, type RedisTarget } from '../helpers/suite-redis.js'

/**
 * The one behaviour suite every client and topology must pass. Each test uses its own prefix; the
 * target's servers are started and stopped by the caller.
 */
export function conformance(name: string, target: RedisTarget) {
  const test = suite<{ handle: ClientHandle; redis: Inspector }>(name)
  let handle: ClientHandle
  let redis: Inspector

  connectedFor(test, target, (connected) => ({ handle, redis } = connected))

  const storeWith = (options: Omit<RedisStoreOptions, 'client'> = {}) => {
    const prefix = options.prefix ?? uniquePrefix()
    return { prefix, store: createRedisStore({ client: handle.client, ...options, prefix }) }
  }

  test('stores a session under prefix + sid and reads it back', async () => {
    const { prefix, store } = storeWith()
    const session = sessionFor({ user: 'ada', visits: 3 })
    await store.set('abc', session)
    assert.equal(JSON.parse((await redis.get(`${prefix}abc`)) ?? 'null'), session)
    assert.equal(await store.get('abc'), session)
  })

  test('keeps a session with no cookie expiry for the ttl number', async () => {
    const { prefix, store } = storeWith({ ttl: 120 })
    await store.set('n', sessionFor())
    assert.is(await redis.ttl(`${prefix}n`), 120)
  })

  test('keeps a session for 86400 seconds by default', async () => {
    const { prefix, store } = storeWith()
    await store.set('d', sessionFor())
    assert.is(await redis.ttl(`${prefix}d`), 86_400)
  })

  test('rounds a fractional ttl number up to whole seconds when it saves and touches', async () => {
    const { prefix, store } = storeWith({ ttl: 90.5 })
    await store.set('frac', sessionFor())
    assert.is(await redis.ttl(`${prefix}frac`), 91)
    await store.touch('frac', sessionFor())
    assert.is(await redis.ttl(`${prefix}frac`), 91)
  })

  test('prefers cookie.expires (Date or ISO string) over the ttl number, rounding up', async () => {
    const { prefix, store } = storeWith({ ttl: 10 })
    await store.set('date', sessionFor({}, { expires: new Date(Date.now() + 59_500) }))
    await store.set('iso', sessionFor({}, { expires: new Date(Date.now() + 299_500).toISOString() }))
    assert.ok([59, 60].includes(await redis.ttl(`${prefix}date`)))
    assert.ok([299, 300].includes(await redis.ttl(`${prefix}iso`)))
  })

  test('prefers the ttl function over cookie.expires', async () => {
    const { prefix, store } = storeWith({ ttl: (session) => ((session as TestSession).admin ? 30 : 600) })
    await store.set('admin', sessionFor({ admin: true }, { expires: new Date(Date.now() + 86_400_000) }))
    await store.set('user', sessionFor())
    assert.is(await redis.ttl(`${prefix}admin`), 30)
    assert.is(await redis.ttl(`${prefix}user`), 600)
  })

  test('deletes instead of saving a session whose cookie has expired or has an invalid date', async () => {
    const { prefix, store } = storeWith()
    for (const expires of [new Date(Date.now() - 1000), 'not a date']) {
      await redis.set(`${prefix}old`, JSON.stringify(sessionFor()))
      await store.set('old', sessionFor({}, { expires }))
      assert.is(await redis.exists(`${prefix}old`), false)
    }
  })

  test('deletes instead of saving when the ttl function says 0 or less', async () => {
    const { prefix, store } = storeWith({ ttl: () => 0 })
    await redis.set(`${prefix}z`, JSON.stringify(sessionFor()))
    await store.set('z', sessionFor())
    assert.is(await redis.exists(`${prefix}z`), false)
  })

  test('with disableTTL, saves without expiry but still deletes an expired session', async () => {
    const { prefix, store } = storeWith({ disableTTL: true })
    await store.set('forever', sessionFor())
    assert.is(await redis.ttl(`${prefix}forever`), -1)
    await store.set('forever', sessionFor({}, { expires: new Date(Date.now() - 1) }))
    assert.is(await redis.exists(`${prefix}forever`), false)
  })

  test('touch resets the expiry and never rewrites the value', async () => {
    const { prefix, store } = storeWith({ ttl: 500 })
    await store.set('t', sessionFor({ n: 1 }))
    await redis.set(`${prefix}t`, JSON.stringify(sessionFor({ n: 2 })))
    await store.touch('t', sessionFor({ n: 1 }))
    assert.is(await redis.ttl(`${prefix}t`), 500)
    assert.equal(await store.get('t'), sessionFor({ n: 2 }))
  })

  test('touch creates nothing for a session that is not stored', async () => {
    const { prefix, store } = storeWith()
    await store.touch('ghost', sessionFor())
    assert.is(await redis.exists(`${prefix}ghost`), false)
  })

  test('touch does nothing with disableTouch or disableTTL', async () => {
    for (const options of [{ disableTouch: true }, { disableTTL: true }]) {
      const { prefix, store } = storeWith({ ...options, ttl: 100 })
      await store.set('s', sessionFor())
      const before = await redis.ttl(`${prefix}s`)
      await store.touch('s', sessionFor({}, { expires: new Date(Date.now() + 900_000) }))
      assert.is(await redis.ttl(`${prefix}s`), before)
    }
  })

  test('get answers null for a missing key and for an empty value', async () => {
    const { prefix, store } = storeWith()
    assert.is(await store.get('nobody'), null)
    await redis.set(`${prefix}empty`, '')
    assert.is(await store.get('empty'), null)
  })

  test('get treats an undecodable value as missing by default and reports it, keeping the value', async () => {
    const { prefix, store } = storeWith()
    const reported: unknown[] = []
    store.on('corruptSession', (error) => reported.push(error))
    for (const text of ['{"cookie":', '"a string"', '[1,2]', '{"user":"no cookie"}', '\u0000\u00ff']) {
      await redis.set(`${prefix}bad`, text)
      assert.is(await store.get('bad'), null)
      assert.is(await redis.get(`${prefix}bad`), text)
    }
    assert.is(reported.length, 5)
    assert.ok(reported.every((error) => (error as { code?: string }).code === 'ERR_SESSION_DECODE'))
  })

  test("with onCorruptSession 'fail', get reports a decode error once and deletes the value", async () => {
    const { prefix, store } = storeWith({ onCorruptSession: 'fail' })
    await redis.set(`${prefix}bad`, 'not json')
    const error = await store.get('bad').catch((e: unknown) => e)
    assert.is((error as { code?: string }).code, 'ERR_SESSION_DECODE')
    assert.instance((error as Error).cause, SyntaxError)
    assert.is(await redis.exists(`${prefix}bad`), false)
    assert.is(await store.get('bad'), null)
  })

  test("with onCorruptSession 'fail', all() skips an undecodable value, reports it and keeps it", async () => {
    const { prefix, store } = storeWith({ onCorruptSession: 'fail' })
    const reported: unknown[] = []
    store.on('corruptSession', (error) => reported.push(error))
    await store.set('good', sessionFor({ n: 1 }))
    await redis.set(`${prefix}bad`, 'not json')
    assert.equal(await store.all(), [{ ...sessionFor({ n: 1 }), id: 'good' }])
    assert.equal(
      reported.map((error) => (error as { code?: string }).code),
      ['ERR_SESSION_DECODE'],
    )
    assert.is(await redis.get(`${prefix}bad`), 'not json')
  })

  test('destroy removes the session, and removing a missing one is not an error', async () => {
    const { prefix, store } = storeWith()
    await store.set('gone', sessionFor())
    await store.destroy('gone')
    assert.is(await redis.exists(`${prefix}gone`), false)
    await store.destroy('gone')
  })

  test('ids, length, all and clear see exactly this prefix, across SCAN pages', async () => {
    const { prefix, store } = storeWith({ scanCount: 10 })
    const other = storeWith()
    await other.store.set('keep', sessionFor())
    const sids = Array.from({ length: 1000 }, (_, i) => `s${i}`)
    await Promise.all(sids.map((sid, i) => store.set(sid, sessionFor({ i }))))
    assert.is(await store.length(), 1000)
    assert.equal((await store.ids()).sort(), [...sids].sort())
    const all = await store.all()
    assert.is(all.length, 1000)
    assert.ok(all.every((session) => session.id === `s${(session as unknown as TestSession).i}`))
    await store.clear()
    assert.is(await store.length(), 0)
    assert.ok((await redis.keys()).every((key) => !key.startsWith(prefix)))
    assert.is(await other.store.length(), 1)
    assert.ok(await redis.exists(`${other.prefix}keep`))
  })

  test('a prefix with glob characters matches only its own keys', async () => {
    const base = uniquePrefix('g')
    const globby = storeWith({ prefix: `${base}[a*?\\]` })
    const neighbour = storeWith({ prefix: `${base}ab\\]` })
    await globby.store.set('mine', sessionFor())
    await neighbour.store.set('theirs', sessionFor())
    assert.equal(await globby.store.ids(), ['mine'])
    await globby.store.clear()
    assert.equal(await neighbour.store.ids(), ['theirs'])
  })

  // Keys that vanish between SCAN and the read of their page: tests/vanishing-keys.test.ts.
  test('sessions() and all() await an async parse, and all() skips an emptied value', async () => {
    const { prefix, store } = storeWith({
      serializer: {
        stringify: (session) => JSON.stringify(session),
        parse: async (text) => {
          await new Promise((resolve) => setTimeout(resolve, 1))
          return JSON.parse(text)
        },
      },
    })
    await store.set('a', sessionFor({ a: 1 }))
    await store.set('b', sessionFor({ b: 2 }))
    const found: SessionWithId[] = []
    for await (const session of store.sessions()) {
      found.push(session)
      await redis.set(`${prefix}b`, '')
    }
    // b may have been read before it was emptied (in the same page, or the page read ahead); a always is.
    const parsed = { a: { ...sessionFor({ a: 1 }), id: 'a' }, b: { ...sessionFor({ b: 2 }), id: 'b' } }
    assert.ok(found.some((session) => session.id === 'a'))
    for (const session of found) assert.equal(session, parsed[session.id as 'a' | 'b'])
    assert.equal(
      (await store.all()).map((session) => session.id),
      ['a'],
    )
  })

  test('clear on an empty store sends no delete', async () => {
    const { store } = storeWith()
    const before = (await redis.calls('unlink')) + (await redis.calls('del'))
    await store.clear()
    assert.is((await redis.calls('unlink')) + (await redis.calls('del')), before)
  })

  test('an empty prefix works for get and set, and clear() refuses unless allowed', async () => {
    const { store } = storeWith({ prefix: '' })
    const sid = uniquePrefix('bare')
    await store.set(sid, sessionFor())
    assert.ok(await redis.exists(sid))
    const error = await store.clear().catch((e: unknown) => e)
    assert.is((error as { code?: string }).code, 'ERR_UNSAFE_CLEAR')
    assert.ok(await redis.exists(sid))
    await store.destroy(sid)
  })

  test('a session that cannot be encoded is an error and writes nothing', async () => {
    const { prefix, store } = storeWith()
    const circular = sessionFor()
    circular.self = circular
    for (const session of [circular, sessionFor({ big: 10n })]) {
      const error = await store.set('x', session as TestSession).catch((e: unknown) => e)
      assert.is((error as { code?: string }).code, 'ERR_SESSION_ENCODE')
      assert.instance((error as Error).cause, TypeError)
    }
    assert.is(await redis.exists(`${prefix}x`), false)
  })

  // Called exactly once, through the deadline and after, by every method: tests/callbacks-called-once.test.ts.
  test('every method also takes a callback, calls it with the result and returns nothing', async () => {
    const { store } = storeWith()
    const viaCallback = <T>(call: (done: (error: unknown, value?: T) => void) => unknown) =>
      new Promise<{ returned: unknown; error: unknown; value: T | undefined; calls: number }>((resolve) => {
        let calls = 0
        const returned = call((error, value) => {
          calls += 1
          setTimeout(() => resolve({ returned, error, value, calls }), 20)
        })
      })
    const set = await viaCallback((done) => store.set('cb', sessionFor({ x: 1 }), done))
    assert.equal([set.returned, set.error, set.calls], [undefined, null, 1])
    const got = await viaCallback<SessionRecord | null>((done) => store.get('cb', done))
    assert.equal(got.value, sessionFor({ x: 1 }))
    const touched = await viaCallback((done) => store.touch('cb', sessionFor(), done))
    assert.is(touched.error, null)
    assert.is((await viaCallback<number>((done) => store.length(done))).value, 1)
    assert.equal((await viaCallback<string[]>((done) => store.ids(done))).value, ['cb'])
    assert.is((await viaCallback<unknown[]>((done) => store.all(done))).value?.length, 1)
    assert.is((await viaCallback((done) => store.destroy('cb', done))).error, null)
    assert.is((await viaCallback((done) => store.clear(done))).calls, 1)
    const failed = await viaCallback((done) => store.set('', sessionFor(), done))
    assert.instance(failed.error, TypeError)
  })

  // Two store instances on two clients: two app instances sharing the Redis.
  const twoStores = async (options: Omit<RedisStoreOptions, 'client'> = {}) => {
    const other = await target.connect()
    const { prefix, store } = storeWith(options)
    return { prefix, store, otherStore: createRedisStore({ client: other.client, ...options, prefix }), other }
  }

  test('a session loaded before destroy() is not written back by its save, changed or not, nor by its touch', async () => {
    const { prefix, store, otherStore, other } = await twoStores()
    try {
      await store.set('revoked', sessionFor({ user: 'ada' }))
      const changed = (await store.get('revoked')) as TestSession
      const unchanged = (await otherStore.get('revoked')) as TestSession
      await otherStore.destroy('revoked')
      changed.note = 'late'
      await store.set('revoked', changed)
      await otherStore.set('revoked', unchanged)
      await store.touch('revoked', changed)
      assert.is(await redis.exists(`${prefix}revoked`), false)
    } finally {
      await other.close()
    }
  })

  test('two sessions loaded from one state and saved on two clients keep both changes', async () => {
    const { prefix, store, otherStore, other } = await twoStores()
    try {
      await store.set('merged', sessionFor({ kept: true, gone: 1 }))
      const first = (await store.get('merged')) as TestSession
      const second = (await otherStore.get('merged')) as TestSession
      const third = (await otherStore.get('merged')) as TestSession
      first.a = 1
      second.b = 2
      delete third.gone
      await Promise.all([store.set('merged', first), otherStore.set('merged', second), otherStore.set('merged', third)])
      assert.equal(JSON.parse((await redis.get(`${prefix}merged`)) ?? 'null'), sessionFor({ kept: true, a: 1, b: 2 }))
    } finally {
      await other.close()
    }
  })

  test('one object saved under two ids is a new session under the second', async () => {
    const { prefix, store } = storeWith()
    const template = sessionFor({ role: 'guest' })
    await store.set('first', template)
    await store.set('second', template)
    assert.equal(JSON.parse((await redis.get(`${prefix}second`)) ?? 'null'), template)
  })

  test('a plain object the store never handed out is written as it is', async () => {
    const { prefix, store } = storeWith()
    await store.set('plain', sessionFor({ a: 1, b: 2 }))
    const loaded = await store.get('plain')
    assert.ok(loaded)
    await store.set('plain', sessionFor({ c: 3 }))
    assert.equal(JSON.parse((await redis.get(`${prefix}plain`)) ?? 'null'), sessionFor({ c: 3 }))
  })

  test('hashSessionIds moves a session from its raw key to its hashed one, listed by an id destroy() takes', async () => {
    const { prefix, store: before } = storeWith()
    const hashing = (hashSessionIds: 'migrate' | true) => storeWith({ prefix, hashSessionIds }).store
    const [migrating, after] = [hashing('migrate'), hashing(true)]
    await before.set('raw', sessionFor({ visits: 1 }))
    const loaded = (await migrating.get('raw')) as TestSession
    loaded.visits = 2
    await migrating.set('raw', loaded)
    assert.is(await redis.exists(`${prefix}raw`), false)
    assert.equal(await after.get('raw'), sessionFor({ visits: 2 }))
    assert.equal(await after.ids(), [hashedIdOf('raw')])
    assert.equal(
      (await after.all()).map((session) => session.id),
      [hashedIdOf('raw')],
    )
    await after.destroy(hashedIdOf('raw'))
    assert.is(await after.length(), 0)
  })

  return test
}
