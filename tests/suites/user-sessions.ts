import calculateSlot from 'cluster-key-slot'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../../src/features/user-sessions/user-index.js'
import { createRedisStore, type RedisStoreOptions } from '../../src/index.js'
import type { ClientHandle } from '../helpers/clients.js'
import type { Inspector } from '../helpers/inspector.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from '../helpers/sessions.js'
import { connectedFor, type RedisTarget } from '../helpers/suite-redis.js'

const userOf = (session: unknown) => (session as TestSession).user as string | undefined
const sorted = (sids: string[]) => [...sids].sort()

/** Sessions per user (the userId option) against one client and topology. */
export function userSessionsSuite(name: string, target: RedisTarget) {
  const test = suite(`sessions per user: ${name}`)
  let handle: ClientHandle
  let redis: Inspector

  connectedFor(test, target, (connected) => ({ handle, redis } = connected))

  const storeWith = (options: Omit<RedisStoreOptions, 'client'> = {}) => {
    const prefix = options.prefix ?? uniquePrefix('u')
    const store = createRedisStore({ client: handle.client, userId: userOf, ...options, prefix })
    return { prefix, store, indexOf: (user: string) => userIndexPrefixFor(prefix) + user }
  }

  test("lists each user's sessions on every device, and nobody else's", async () => {
    const { store } = storeWith()
    await store.set('ada-laptop', sessionFor({ user: 'ada' }))
    await store.set('ada-phone', sessionFor({ user: 'ada' }))
    await store.set('ada-tablet', sessionFor({ user: 'ada' }))
    await store.set('bob-laptop', sessionFor({ user: 'bob' }))
    await store.set('anonymous', sessionFor())
    assert.equal(sorted(await store.userSessions('ada')), ['ada-laptop', 'ada-phone', 'ada-tablet'])
    assert.equal(await store.userSessions('bob'), ['bob-laptop'])
    assert.equal(await store.userSessions('carol'), [])
  })

  test('moves a session to its new user when the user on that sid changes', async () => {
    const { store, indexOf } = storeWith()
    await store.set('shared', sessionFor({ user: 'ada' }))
    await store.set('ada-own', sessionFor({ user: 'ada' }))
    await store.set('shared', sessionFor({ user: 'bob' }))
    assert.equal(await store.userSessions('ada'), ['ada-own'])
    assert.equal(await store.userSessions('bob'), ['shared'])
    assert.equal(await redis.zRange(indexOf('ada'), 0, -1), ['ada-own'])
  })

  test('stops listing a session once it is signed out (saved without a user)', async () => {
    const { store, indexOf } = storeWith()
    await store.set('s', sessionFor({ user: 'ada' }))
    await store.set('s', sessionFor())
    assert.equal(await store.userSessions('ada'), [])
    assert.is(await redis.exists(indexOf('ada')), false)
  })

  test('does not list, and prunes, sessions that expired or were deleted behind the store', async () => {
    const { prefix, store, indexOf } = storeWith()
    for (const sid of ['expires', 'deleted', 'stays']) await store.set(sid, sessionFor({ user: 'ada' }))
    await redis.pExpire(`${prefix}expires`, 1)
    await redis.del(`${prefix}deleted`)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(await store.userSessions('ada'), ['stays'])
    assert.equal(await redis.zRange(indexOf('ada'), 0, -1), ['stays'])
  })

  test('does not list a session destroyed by sid', async () => {
    const { store } = storeWith()
    await store.set('a', sessionFor({ user: 'ada' }))
    await store.set('b', sessionFor({ user: 'ada' }))
    await store.destroy('a')
    assert.equal(await store.userSessions('ada'), ['b'])
  })

  test("destroy() takes the session out of its user's index; with disableTTL the index goes with the last session", async () => {
    const { prefix, store, indexOf } = storeWith()
    for (const sid of ['a', 'b']) await store.set(sid, sessionFor({ user: 'ada' }))
    await store.destroy('a')
    assert.equal(await redis.zRange(indexOf('ada'), 0, -1), ['b'])
    assert.is(await redis.exists(`${prefix}a`), false)
    const forever = storeWith({ disableTTL: true })
    for (const sid of ['x', 'y']) await forever.store.set(sid, sessionFor({ user: 'ada' }))
    await forever.store.set('anonymous', sessionFor())
    for (const sid of ['x', 'y', 'anonymous', 'never-was']) await forever.store.destroy(sid)
    assert.is(await redis.exists(forever.indexOf('ada')), false)
    assert.equal(await redis.keys().then((keys) => keys.filter((key) => key.startsWith(forever.prefix))), [])
  })

  test('destroys every session of the user, and only those, resolving to how many', async () => {
    const { prefix, store } = storeWith()
    for (const sid of ['a1', 'a2', 'a3']) await store.set(sid, sessionFor({ user: 'ada' }))
    await store.set('b1', sessionFor({ user: 'bob' }))
    assert.is(await store.destroyUserSessions('ada'), 3)
    for (const sid of ['a1', 'a2', 'a3']) assert.is(await redis.exists(`${prefix}${sid}`), false)
    assert.ok(await redis.exists(`${prefix}b1`))
    assert.equal(await store.userSessions('ada'), [])
    assert.equal(await store.userSessions('bob'), ['b1'])
    assert.is(await store.destroyUserSessions('ada'), 0)
  })

  test('keeps the except session when destroying the others', async () => {
    const { prefix, store } = storeWith()
    for (const sid of ['here', 'there', 'elsewhere']) await store.set(sid, sessionFor({ user: 'ada' }))
    assert.is(await store.destroyUserSessions('ada', { except: 'here' }), 2)
    assert.equal(await store.userSessions('ada'), ['here'])
    assert.ok(await redis.exists(`${prefix}here`))
    assert.is(await store.destroyUserSessions('ada', { except: 'not-a-session' }), 1)
    assert.equal(await store.userSessions('ada'), [])
  })

  test('does not destroy a session that has moved to another user', async () => {
    const { prefix, store } = storeWith()
    await store.set('moved', sessionFor({ user: 'ada' }))
    await store.set('moved', sessionFor({ user: 'bob' }))
    assert.is(await store.destroyUserSessions('ada'), 0)
    assert.ok(await redis.exists(`${prefix}moved`))
  })

  test('destroys more sessions than one index removal batch holds', async () => {
    const { store } = storeWith()
    const sids = Array.from({ length: 1200 }, (_, i) => `d${i}`)
    await Promise.all(sids.map((sid) => store.set(sid, sessionFor({ user: 'many' }))))
    assert.is((await store.userSessions('many')).length, 1200)
    assert.is(await store.destroyUserSessions('many', { except: 'd7' }), 1199)
    assert.equal(await store.userSessions('many'), ['d7'])
    assert.is(await store.length(), 1)
  })

  test('never counts index keys as sessions, and clear() removes them', async () => {
    const { prefix, store, indexOf } = storeWith()
    await store.set('a', sessionFor({ user: 'ada' }))
    await store.set('b', sessionFor({ user: 'bob' }))
    assert.ok(await redis.exists(indexOf('ada')))
    assert.is(await store.length(), 2)
    assert.equal(sorted(await store.ids()), ['a', 'b'])
    assert.equal(sorted((await store.all()).map((session) => session.id)), ['a', 'b'])
    await store.clear()
    const left = (await redis.keys()).filter((key) => key.includes(prefix))
    assert.equal(left, [])
  })

  test("makes the index expire with its longest session, or never when sessions don't", async () => {
    const { store, indexOf } = storeWith({ ttl: 600 })
    await store.set('long', sessionFor({ user: 'ada' }))
    await store.set('short', sessionFor({ user: 'ada' }, { expires: new Date(Date.now() + 60_000) }))
    const ttl = await redis.pTTL(indexOf('ada'))
    assert.ok(ttl > 590_000 && ttl <= 600_000, `index ttl ${ttl}`)
    const forever = storeWith({ disableTTL: true })
    await forever.store.set('kept', sessionFor({ user: 'ada' }))
    assert.is(await redis.pTTL(forever.indexOf('ada')), -1)
  })

  test('touch extends the index with the session, and indexes a session saved before the option', async () => {
    const { prefix, store, indexOf } = storeWith({ ttl: 60 })
    const before = createRedisStore({ client: handle.client, prefix, ttl: 60 })
    await before.set('old', sessionFor({ user: 'ada' }))
    assert.equal(await store.userSessions('ada'), [])
    await store.touch('old', sessionFor({ user: 'ada' }, { expires: new Date(Date.now() + 3_600_000) }))
    assert.equal(await store.userSessions('ada'), ['old'])
    assert.ok((await redis.pTTL(indexOf('ada'))) > 3_000_000)
  })

  for (const policy of ['miss', 'fail'] as const) {
    test(`with onCorruptSession '${policy}', does not list a session that can no longer be read, and keeps it and its index entry`, async () => {
      const { prefix, store, indexOf } = storeWith({ onCorruptSession: policy })
      const reported: unknown[] = []
      store.on('corruptSession', (error) => reported.push(error))
      await store.set('ok', sessionFor({ user: 'ada' }))
      await store.set('bad', sessionFor({ user: 'ada' }))
      await redis.set(`${prefix}bad`, 'not json')
      assert.equal(await store.userSessions('ada'), ['ok'])
      assert.equal(reported.map(codeOf), ['ERR_SESSION_DECODE'])
      assert.equal(sorted(await redis.zRange(indexOf('ada'), 0, -1)), ['bad', 'ok'])
      assert.is(await redis.get(`${prefix}bad`), 'not json')
    })

    test(`with onCorruptSession '${policy}', destroys the user's sessions that can no longer be read with the others`, async () => {
      const { prefix, store } = storeWith({ onCorruptSession: policy })
      store.on('corruptSession', () => {})
      for (const sid of ['ok', 'bad', 'moved']) await store.set(sid, sessionFor({ user: 'ada' }))
      await store.set('moved', sessionFor({ user: 'bob' }))
      await redis.set(`${prefix}bad`, 'not json')
      assert.is(await store.destroyUserSessions('ada'), 2)
      assert.is(await redis.exists(`${prefix}ok`), false)
      assert.is(await redis.exists(`${prefix}bad`), false)
      // A session listed for ada that reads as bob's is verifiably not hers.
      assert.ok(await redis.exists(`${prefix}moved`))
      assert.is(await store.destroyUserSessions('ada'), 0)
    })
  }

  test('destroys a session the userId function throws on (an earlier shape) with the others', async () => {
    const earlier = storeWith()
    await earlier.store.set('old-shape', sessionFor({ user: 'ada' }))
    // This version keeps the user under `account`, and its userId function throws on a session without one.
    const { store } = storeWith({
      prefix: earlier.prefix,
      userId: (session) => {
        const { account } = session as TestSession & { account?: { id: string } }
        if (!account) throw new TypeError('no account on this session')
        return account.id
      },
    })
    await store.set('new-shape', sessionFor({ account: { id: 'ada' } }))
    assert.is(await store.destroyUserSessions('ada'), 2)
    assert.equal(await redis.keys().then((keys) => keys.filter((key) => key.startsWith(earlier.prefix))), [])
  })

  test("keeps apart the indexes of two stores whose prefix and user id run together ('p' + 'a:1', 'pa:' + '1')", async () => {
    const one = storeWith()
    const other = storeWith({ prefix: `${one.prefix}a:` })
    await one.store.set('s1', sessionFor({ user: 'a:1' }))
    await other.store.set('s2', sessionFor({ user: '1' }))
    assert.not.equal(one.indexOf('a:1'), other.indexOf('1'))
    for (let round = 0; round < 2; round++) {
      assert.equal(await one.store.userSessions('a:1'), ['s1'])
      assert.equal(await other.store.userSessions('1'), ['s2'])
    }
    assert.is(await other.store.destroyUserSessions('1'), 1)
    assert.ok(await redis.exists(`${one.prefix}s1`))
    assert.equal(await one.store.userSessions('a:1'), ['s1'])
  })

  test("keeps a hash tag of the prefix in the index key: a user's index shares its slot with the sessions", async () => {
    const { prefix, store, indexOf } = storeWith({ prefix: `{${uniquePrefix('tag')}}:` })
    assert.is(calculateSlot(indexOf('ada')), calculateSlot(`${prefix}s1`))
    for (const sid of ['s1', 's2']) await store.set(sid, sessionFor({ user: 'ada' }))
    assert.equal(sorted(await store.userSessions('ada')), ['s1', 's2'])
    assert.is(await store.destroyUserSessions('ada', { except: 's2' }), 1)
    await store.clear()
    assert.equal(await redis.keys().then((keys) => keys.filter((key) => key.includes(prefix))), [])
  })

  test('finds, destroys and clears the sessions an earlier version filed under its index key, as during a rolling upgrade', async () => {
    const { prefix, store, indexOf } = storeWith()
    // What an instance still running an earlier version writes: the session, and its entry under the old key.
    const earlierIndex = `user-sessions:${prefix}ada`
    const fileAsEarlier = async (sid: string) => {
      await redis.set(`${prefix}${sid}`, JSON.stringify(sessionFor({ user: 'ada' })))
      await redis.zAdd(earlierIndex, { score: Date.now() + 600_000, value: sid })
    }
    await fileAsEarlier('old1')
    await fileAsEarlier('old-gone')
    await redis.del(`${prefix}old-gone`)
    await store.set('new1', sessionFor({ user: 'ada' }))
    assert.equal(sorted(await store.userSessions('ada')), ['new1', 'old1'])
    // The earlier instances go on filing sessions there until they are all upgraded.
    await fileAsEarlier('old2')
    assert.equal(sorted(await store.userSessions('ada')), ['new1', 'old1', 'old2'])
    // Written in the current format only; the old key is read, never pruned (another store may share it).
    assert.equal(await redis.zRange(indexOf('ada'), 0, -1), ['new1'])
    assert.equal(sorted(await redis.zRange(earlierIndex, 0, -1)), ['old-gone', 'old1', 'old2'])
    assert.is(await store.destroyUserSessions('ada', { except: 'old2' }), 2)
    assert.equal(await store.userSessions('ada'), ['old2'])
    await store.set('new2', sessionFor({ user: 'ada' }))
    await store.clear()
    assert.is(await redis.exists(earlierIndex), false)
    assert.is(await redis.exists(indexOf('ada')), false)
  })

  test('a userId function that throws fails set() and writes nothing', async () => {
    const { prefix, store } = storeWith({
      userId: () => {
        throw new RangeError('no user here')
      },
    })
    const error = await store.set('x', sessionFor({ user: 'ada' })).catch((e: unknown) => e)
    assert.is(codeOf(error), 'ERR_SESSION_USER_ID')
    assert.instance((error as Error).cause, RangeError)
    assert.is(await redis.exists(`${prefix}x`), false)
    const wrongType = storeWith({ userId: () => 42 as unknown as string })
    assert.is(codeOf(await wrongType.store.set('x', sessionFor()).catch((e: unknown) => e)), 'ERR_SESSION_USER_ID')
  })

  // Called exactly once, through the deadline and after: tests/callbacks-called-once.test.ts.
  test('both methods take a callback, call it with the result and return nothing', async () => {
    const { store } = storeWith()
    for (const sid of ['c1', 'c2', 'c3']) await store.set(sid, sessionFor({ user: 'ada' }))
    const viaCallback = <T>(call: (done: (error: unknown, value?: T) => void) => unknown) =>
      new Promise<{ returned: unknown; error: unknown; value: T | undefined }>((resolve) => {
        const returned = call((error, value) => resolve({ returned, error, value }))
      })
    const listed = await viaCallback<string[]>((done) => store.userSessions('ada', done))
    assert.equal([listed.returned, listed.error, sorted(listed.value ?? [])], [undefined, null, ['c1', 'c2', 'c3']])
    const others = await viaCallback<number>((done) => store.destroyUserSessions('ada', { except: 'c1' }, done))
    assert.equal([others.returned, others.error, others.value], [undefined, null, 2])
    const all = await viaCallback<number>((done) => store.destroyUserSessions('ada', done))
    assert.equal([all.error, all.value], [null, 1])
    const bad = await viaCallback<string[]>((done) => store.userSessions('', done))
    assert.instance(bad.error, TypeError)
  })

  return test
}
