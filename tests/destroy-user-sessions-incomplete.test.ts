import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore, RedisSessionStoreError, RevokeIncompleteError } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import type { ServerProcess } from './helpers/servers.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

// Redis itself refuses some of the keys: an ACL user may read or write only some of them, as a cluster with one
// node down would refuse the keys of its slots.
const test = suite('destroyUserSessions() when Redis refuses some of the keys')
let admin: NodeRedisClient
let redis: Inspector
let server: ServerProcess
const limited: ClientHandle[] = []
redisFor(test, (started) => ({ nodeRedis: admin, redis, server } = started))
test.after.each(async () => {
  for (const handle of limited.splice(0)) await handle.close()
})

const userOf = (session: unknown) => (session as TestSession).user as string | undefined
let users = 0

/**
 * The user's sessions, filed by a store on a client that may do anything, and a store on the same prefix whose client
 * logs in as an ACL user with `rules` (the prefix's place marked `<prefix>` in them).
 */
async function storesWith(sids: readonly string[], rules: readonly string[]) {
  const prefix = uniquePrefix('revoke')
  const filing = createRedisStore({ client: admin, prefix, userId: userOf })
  for (const sid of sids) await filing.set(sid, sessionFor({ user: 'ada' }))
  const username = `revoker${++users}`
  const keyRules = rules.map((rule) => rule.replace('<prefix>', prefix))
  await admin.sendCommand(['ACL', 'SETUSER', username, 'on', '>secret', 'resetkeys', ...keyRules, '+@all'])
  const handle = await connectClient('node-redis 6', server, { username, password: 'secret' })
  limited.push(handle)
  const store = createRedisStore({ client: handle.client, prefix, userId: userOf })
  return { prefix, store, username }
}

/** The error a call rejected with; a call that resolves where it must reject is a test failure. */
async function rejection(call: Promise<unknown>): Promise<RevokeIncompleteError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  assert.ok('error' in outcome, `resolved to ${JSON.stringify(outcome)}`)
  assert.instance(outcome.error, RevokeIncompleteError)
  return outcome.error as RevokeIncompleteError
}

// The current index keys, and not those of earlier versions (`user-sessions:...`).
const CURRENT_INDEX = '~user-sessions.v2:*'

test('destroys every session it may, then rejects with ERR_REVOKE_INCOMPLETE counting those it could not', async () => {
  const sids = ['writable-1', 'writable-2', 'read-only', 'hidden']
  const { prefix, store, username } = await storesWith(sids, [
    '~user-sessions*',
    '~<prefix>writable-*',
    '%R~<prefix>read-only',
  ])
  const error = await rejection(store.destroyUserSessions('ada'))
  assert.instance(error, RedisSessionStoreError)
  assert.is(error.code, 'ERR_REVOKE_INCOMPLETE')
  assert.is(error.destroyed, 2)
  // One it could not delete, one it could not even read.
  assert.is(error.failed, 2)
  assert.match(String((error.cause as Error).message), /NOPERM/)
  for (const text of [...sids, prefix]) assert.not.ok(error.message.includes(text), `${text} in ${error.message}`)
  assert.is(await redis.exists(`${prefix}writable-1`), false)
  assert.is(await redis.exists(`${prefix}writable-2`), false)
  assert.ok(await redis.exists(`${prefix}read-only`))
  assert.ok(await redis.exists(`${prefix}hidden`))
  // What it could not destroy stays in the index, for the next call.
  assert.equal((await redis.zRange(`${userIndexPrefixFor(prefix)}ada`, 0, -1)).sort(), ['hidden', 'read-only'])
  await admin.sendCommand(['ACL', 'SETUSER', username, 'allkeys'])
  assert.is(await store.destroyUserSessions('ada'), 2)
  assert.equal(await store.userSessions('ada'), [])
})

test("destroys the sessions of the index it can read when the earlier version's index is refused, counting that as one", async () => {
  const { prefix, store } = await storesWith(['a', 'b'], [CURRENT_INDEX, '~<prefix>*'])
  const error = await rejection(store.destroyUserSessions('ada'))
  assert.equal([error.destroyed, error.failed], [2, 1])
  assert.is(await redis.exists(`${prefix}a`), false)
  assert.is(await redis.exists(`${prefix}b`), false)
})

test('calls back with the same error, once', async () => {
  const { store } = await storesWith(['writable-1', 'hidden'], ['~user-sessions*', '~<prefix>writable-*'])
  const calls = await new Promise<unknown[]>((resolve) => {
    const seen: unknown[] = []
    store.destroyUserSessions('ada', (error, count) => {
      seen.push([codeOf(error), (error as RevokeIncompleteError).destroyed, count])
      setTimeout(() => resolve(seen), 20)
    })
  })
  assert.equal(calls, [['ERR_REVOKE_INCOMPLETE', 1, undefined]])
})

test.run()
