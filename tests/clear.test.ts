import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const pageByPage = suite('clear() and the bulk reads, page by page')
let client: NodeRedisClient
let redis: Inspector
redisFor(pageByPage, (started) => ({ nodeRedis: client, redis } = started))

const fill = async (prefix: string, count: number) => {
  for (let i = 0; i < count; i++) await client.set(`${prefix}${i}`, JSON.stringify(sessionFor({ n: i })))
}

pageByPage('removes 1,000 sessions with one UNLINK per page of the scan, never one command for all', async () => {
  const prefix = uniquePrefix('clear')
  await fill(prefix, 1_000)
  const before = { unlink: await redis.calls('unlink'), del: await redis.calls('del') }
  await createRedisStore({ client, prefix, scanCount: 100 }).clear()
  const unlinks = (await redis.calls('unlink')) - before.unlink
  assert.ok(unlinks >= 5, `${unlinks} UNLINK commands`)
  assert.is((await redis.calls('del')) - before.del, 0)
  assert.equal(
    (await redis.keys()).filter((key) => key.startsWith(prefix)),
    [],
  )
})

pageByPage('reads every session with one MGET per page, and the iterator yields each one', async () => {
  const prefix = uniquePrefix('all')
  await fill(prefix, 500)
  const store = createRedisStore({ client, prefix, scanCount: 100 })
  const before = await redis.calls('mget')
  const all = await store.all()
  assert.is(all.length, 500)
  assert.ok((await redis.calls('mget')) - before >= 3)
  const seen = new Set<number>()
  for await (const session of store.sessions()) seen.add((session as unknown as { n: number }).n)
  assert.is(seen.size, 500)
})

pageByPage.run()

const withoutUnlink = suite('clear() on a server without UNLINK')
let oldClient: NodeRedisClient
// A server where UNLINK is unknown, as on Redis before 4.0.
redisFor(
  withoutUnlink,
  { args: ['--rename-command', 'UNLINK', '""'] },
  (started) => ({ nodeRedis: oldClient } = started),
)

withoutUnlink('falls back to DEL and still removes every session', async () => {
  const prefix = uniquePrefix('old')
  for (let i = 0; i < 300; i++) await oldClient.set(`${prefix}${i}`, JSON.stringify(sessionFor()))
  const unlink = await oldClient.unlink(`${prefix}0`).then(
    () => 'ran',
    (error: Error) => error.message,
  )
  assert.match(unlink, /unknown command/i)
  await createRedisStore({ client: oldClient, prefix }).clear()
  assert.equal(await oldClient.keys(`${prefix}*`), [])
})

withoutUnlink.run()
