import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const test = suite('sessions per user: a user with very many sessions, paged')
let client: NodeRedisClient
let redis: Inspector
redisFor(test, (started) => ({ nodeRedis: client, redis } = started))

const userOf = (session: unknown) => (session as TestSession).user as string | undefined
const SIZE = 30_000

/**
 * Files `size` sessions of one user as the store writes them (the session under its key, its id in the index scored by
 * its expiry), a MULTI of a thousand at a time. Every third id's session is gone (destroyed or expired behind the
 * store), and every fifth live one now belongs to someone else: stale entries mixed in among the live ones.
 */
async function seeded(size: number) {
  const prefix = uniquePrefix('many')
  const indexKey = `${userIndexPrefixFor(prefix)}bot`
  const expiresAt = Date.now() + 600_000
  const live: string[] = []
  for (let start = 0; start < size; start += 1_000) {
    const multi = client.multi()
    for (let i = start; i < Math.min(size, start + 1_000); i++) {
      const sid = `s${i}`
      multi.zAdd(indexKey, { score: expiresAt + i, value: sid })
      if (i % 3 === 0) continue
      const user = live.length % 5 === 4 ? 'someone-else' : 'bot'
      if (user === 'bot') live.push(sid)
      multi.set(`${prefix}${sid}`, JSON.stringify(sessionFor({ user })), { EX: 600 })
    }
    await multi.exec()
  }
  return { prefix, indexKey, live, store: createRedisStore({ client, prefix, userId: userOf }) }
}

const callsOf = async (commands: string[]) => {
  const counts = await Promise.all(commands.map((command) => redis.calls(command)))
  return Object.fromEntries(commands.map((command, i) => [command, counts[i] ?? 0]))
}

test(`lists ${SIZE} sessions of one user page by page, stale entries mixed in, and revokes every one`, async () => {
  const { prefix, indexKey, live, store } = await seeded(SIZE)
  const before = await callsOf(['mget', 'evalsha', 'eval', 'unlink'])
  const listed = await store.userSessions('bot')
  assert.is(listed.length, live.length)
  assert.equal([...listed].sort(), [...live].sort())
  const listing = await callsOf(['mget', 'evalsha', 'eval'])
  // No command over the whole index: a page (scanCount, 100) a command.
  assert.ok((listing.mget ?? 0) - (before.mget ?? 0) >= SIZE / 200, JSON.stringify({ before, listing }))
  // The listing pruned the stale entries (gone, or another user's): only the live ones are left in the index.
  assert.is(await client.zCard(indexKey), live.length)
  assert.is(await store.destroyUserSessions('bot', { except: live[0] }), live.length - 1)
  const revoking = await callsOf(['unlink'])
  assert.ok((revoking.unlink ?? 0) - (before.unlink ?? 0) >= live.length / 200, JSON.stringify({ before, revoking }))
  assert.equal(await store.userSessions('bot'), [live[0]])
  assert.is(await store.destroyUserSessions('bot'), 1)
  assert.is(await client.exists(indexKey), 0)
  const left = await redis.keys().then((keys) => keys.filter((key) => key.startsWith(prefix)))
  // Only the sessions that now belong to someone else stay.
  assert.is(left.length, SIZE - Math.ceil(SIZE / 3) - live.length)
  for (const key of left) assert.is(userOf(JSON.parse((await redis.get(key)) ?? '{}')), 'someone-else')
})

test('revokes every session even when no listing pruned the stale entries first', async () => {
  const { prefix, indexKey, live, store } = await seeded(3_000)
  assert.is(await store.destroyUserSessions('bot'), live.length)
  assert.is(await client.exists(indexKey), 0)
  for (const sid of live) assert.is(await redis.exists(`${prefix}${sid}`), false)
})

test('a revocation while the user keeps signing in and saving destroys every session that existed before it', async () => {
  const { prefix, live, store } = await seeded(3_000)
  let saving = true
  // Saves re-score entries while the revocation pages the index: none may be skipped.
  const saves = (async () => {
    let i = 0
    while (saving) {
      const sid = live[i++ % live.length] as string
      await store.touch(sid, sessionFor({ user: 'bot' }))
    }
  })()
  const destroyed = await store.destroyUserSessions('bot')
  saving = false
  await saves
  assert.is(destroyed, live.length)
  for (const sid of live) assert.is(await redis.exists(`${prefix}${sid}`), false)
})

test('the record script prunes at most a bounded number of expired ids per write', async () => {
  const prefix = uniquePrefix('prune')
  const indexKey = `${userIndexPrefixFor(prefix)}bot`
  const multi = client.multi()
  for (let i = 0; i < 1_000; i++) multi.zAdd(indexKey, { score: Date.now() - 1_000 - i, value: `old${i}` })
  await multi.exec()
  const store = createRedisStore({ client, prefix, userId: userOf })
  await store.set('new', sessionFor({ user: 'bot' }))
  assert.is(await client.zCard(indexKey), 1_000 - 100 + 1)
  for (let i = 0; i < 9; i++) await store.set('new', sessionFor({ user: 'bot' }))
  assert.equal(await redis.zRange(indexKey, 0, -1), ['new'])
})

test.run()
