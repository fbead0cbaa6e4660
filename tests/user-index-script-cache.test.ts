import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

const userOf = (session: unknown) => (session as TestSession).user as string | undefined

for (const library of ['node-redis 6', 'ioredis 6'] as const) {
  const test = suite(
    `sessions per user: the index scripts go by digest, and survive a server that forgot them (${library})`,
  )
  let server: ServerProcess
  let handle: ClientHandle
  let admin: ReturnType<typeof createClient>
  test.before(async () => {
    server = await startRedis({ durable: true })
    handle = await connectClient(library, server)
    admin = createClient({ url: server.url })
    admin.on('error', () => {})
    await admin.connect()
  })
  test.after(async () => {
    await handle?.close()
    if (admin?.isOpen) await admin.quit()
    await server?.stop()
  })

  const calls = async (command: string) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await admin.info('commandstats'))?.[1] ?? 0)

  /** Every index script a signed-in user costs: filing, listing, pruning, revoking. */
  async function everyIndexScript(store: RedisSessionStore, round: number) {
    await store.set(`a${round}`, sessionFor({ user: 'ada' }))
    await store.set(`b${round}`, sessionFor({ user: 'ada' }))
    await store.touch(`a${round}`, sessionFor({ user: 'ada' }))
    assert.equal((await store.userSessions('ada')).sort(), [`a${round}`, `b${round}`])
    assert.is(await store.destroyUserSessions('ada', { except: `b${round}` }), 1)
    assert.equal(await store.userSessions('ada'), [`b${round}`])
    assert.is(await store.destroyUserSessions('ada'), 1)
  }

  test('sends the scripts by digest once they are cached, as text only after SCRIPT FLUSH', async () => {
    const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('sha'), userId: userOf })
    await everyIndexScript(store, 0)
    const cached = { eval: await calls('eval'), evalsha: await calls('evalsha') }
    await everyIndexScript(store, 1)
    assert.is((await calls('eval')) - cached.eval, 0)
    assert.ok((await calls('evalsha')) - cached.evalsha >= 6)
    await admin.scriptFlush()
    const flushed = await calls('eval')
    await everyIndexScript(store, 2)
    // Each script is sent as text once after the flush (its NOSCRIPT), then by digest again.
    const sentAsText = (await calls('eval')) - flushed
    assert.ok(sentAsText >= 1 && sentAsText <= 5, `${sentAsText} EVALs`)
    const again = await calls('eval')
    await everyIndexScript(store, 3)
    assert.is((await calls('eval')) - again, 0)
  })

  test('files, lists and revokes after the server restarts with an empty script cache', async () => {
    const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('restart'), userId: userOf })
    store.on('disconnect', () => {})
    await everyIndexScript(store, 0)
    await store.set('kept', sessionFor({ user: 'grace' }))
    await server.restart()
    await waitFor('the client is back', async () => (await store.userSessions('grace')).length === 1)
    if (!admin.isOpen) await admin.connect()
    await waitFor('the admin client is back', async () => (await admin.ping()) === 'PONG')
    await everyIndexScript(store, 1)
    assert.equal(await store.userSessions('grace'), ['kept'])
  })

  test.run()
}
