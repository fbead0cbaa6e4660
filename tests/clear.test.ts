import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import type { Inspector } from './helpers/inspector.js'
import { watchCommands } from './helpers/monitor.js'
import type { ServerProcess } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const pageByPage = suite('clear() and the bulk reads, page by page')
let client: NodeRedisClient
let redis: Inspector
let server: ServerProcess
redisFor(pageByPage, (started) => ({ nodeRedis: client, redis, server } = started))

const fill = async (prefix: string, count: number) => {
  for (let i = 0; i < count; i++) await client.set(`${prefix}${i}`, JSON.stringify(sessionFor({ n: i })))
}

/** The commands named `name` in a watch, each as the keys it carried. */
const keysOf = (commands: string[][], name: string) =>
  commands.filter(([command]) => command === name).map(([, ...keys]) => keys)

/**
 * Checks that `name` went out once per page: at most one for each SCAN reply (an empty reply sends none),
 * at least `fewest` (never one command for all), and every one of `total` keys in exactly one of them.
 */
function assertOnePerPage(commands: string[][], name: string, total: number, fewest: number): void {
  const pages = keysOf(commands, name)
  const scans = keysOf(commands, 'scan').length
  assert.ok(pages.length <= scans, `${pages.length} ${name} commands for ${scans} SCANs`)
  assert.ok(pages.length >= fewest, `${pages.length} ${name} commands`)
  assert.is(pages.flat().length, total)
  assert.is(new Set(pages.flat()).size, total)
}

pageByPage('removes 1,000 sessions with one UNLINK per page of the scan, never one command for all', async () => {
  const prefix = uniquePrefix('clear')
  await fill(prefix, 1_000)
  const watch = await watchCommands(server)
  await createRedisStore({ client, prefix, scanCount: 100 }).clear()
  const commands = await watch.stop()
  assertOnePerPage(commands, 'unlink', 1_000, 5)
  assert.equal(keysOf(commands, 'del'), [])
  assert.equal(
    (await redis.keys()).filter((key) => key.startsWith(prefix)),
    [],
  )
})

pageByPage('reads every session with one MGET per page, and the iterator yields each one', async () => {
  const prefix = uniquePrefix('all')
  await fill(prefix, 500)
  const store = createRedisStore({ client, prefix, scanCount: 100 })
  const watch = await watchCommands(server)
  const all = await store.all()
  const commands = await watch.stop()
  assert.is(all.length, 500)
  assertOnePerPage(commands, 'mget', 500, 3)
  assert.equal(keysOf(commands, 'get'), [])
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
