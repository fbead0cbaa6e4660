import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

// What scripts do with sessions outside a request: copy them from one store to another, or edit what
// all() and sessions() returned and write it back.
const test = suite('sessions saved by scripts')
let handle: ClientHandle
let redis: Inspector
redisFor(test, (started) => ({ handle, redis } = started))

type Fields = TestSession
const userId = (session: Fields) => session.userId as string | undefined

test('a session read from one store and saved into another is written there', async () => {
  const from = createRedisStore({ client: handle.client, prefix: uniquePrefix('from') })
  const to = createRedisStore({ client: handle.client, prefix: uniquePrefix('to') })
  const stale: unknown[] = []
  to.on('staleSession', (details) => stale.push(details))
  await from.set('moving', sessionFor({ user: 'ada' }))
  const session = (await from.get('moving')) as Fields
  await to.set('moving', session)
  assert.equal(await to.get('moving'), sessionFor({ user: 'ada' }))
  ;(session as Fields).user = 'grace'
  await to.set('moving', session)
  assert.is(((await to.get('moving')) as Fields).user, 'grace')
  assert.equal(stale, [])
})

for (const [method, read] of [
  ['all()', (store: RedisSessionStore) => store.all()],
  [
    'sessions()',
    async (store: RedisSessionStore) => {
      const found = []
      for await (const session of store.sessions()) found.push(session)
      return found
    },
  ],
] as const) {
  test(`a session from ${method} edited and written back is saved`, async () => {
    const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('bulk') })
    await store.set('kept', sessionFor({ plan: 'free' }))
    const [session] = (await read(store)) as unknown as Fields[]
    assert.ok(session)
    session.plan = 'paid'
    await store.set('kept', session)
    assert.is(((await store.get('kept')) as Fields).plan, 'paid')
  })

  test(`a session from ${method} destroyed before it is written back stays destroyed, and out of its user's index`, async () => {
    const prefix = uniquePrefix('bulk')
    const store = createRedisStore({ client: handle.client, prefix, userId })
    const stale: unknown[] = []
    store.on('staleSession', (details) => stale.push(details))
    await store.set('revoked', sessionFor({ userId: 'ada', plan: 'free' }))
    const [session] = (await read(store)) as unknown as Fields[]
    assert.ok(session)
    assert.is(await store.destroyUserSessions('ada'), 1)
    session.plan = 'paid'
    await store.set('revoked', session)
    assert.is(await redis.get(`${prefix}revoked`), null, 'the script wrote a revoked session back')
    assert.equal(await redis.zRange(`${userIndexPrefixFor(prefix)}ada`, 0, -1), [])
    assert.equal(stale, [{ operation: 'set' }])
  })
}

test.run()
