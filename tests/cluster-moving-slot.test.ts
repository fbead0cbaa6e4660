import calculateSlot from 'cluster-key-slot'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, type ClientLibrary, connectCluster } from './helpers/clients.js'
import { redisCli } from './helpers/redis-cli.js'
import { type RunningCluster, startCluster } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

const LIBRARIES: ClientLibrary[] = ['node-redis 6', 'node-redis 5', 'ioredis 6']
const test = suite('bulk methods while a slot moves to another master')
let cluster: RunningCluster
test.before(async () => {
  cluster = await startCluster()
})
test.after(() => cluster?.stop())

/**
 * Half-migrates the slot of `key`: the key itself moves to another master, which imports the slot, while its
 * master still serves it. The importing master answers MOVED for it; its old master answers ASK.
 */
async function halfMigrate(key: string): Promise<void> {
  const slot = String(calculateSlot(key))
  const masters = (await cluster.topology()).filter((node) => node.role === 'master' && !node.failed)
  const source = masters.find((node) => node.slots.some(([a, b]) => a <= Number(slot) && Number(slot) <= b))
  const target = masters.find((node) => node !== source)
  if (!source || !target) throw new Error('no two masters')
  await redisCli(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)
  await redisCli(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)
  await redisCli(source.port, 'MIGRATE', '127.0.0.1', String(target.port), key, '0', '5000')
}

for (const library of LIBRARIES) {
  test(`${library}: all(), length() and clear() find the moved session through the cluster client`, async () => {
    const handle: ClientHandle = await connectCluster(library, cluster.rootNodes)
    try {
      const prefix = uniquePrefix('moving')
      const store = createRedisStore({ client: handle.client, prefix })
      const sids = Array.from({ length: 50 }, (_, i) => `sid${i}`)
      await Promise.all(sids.map((sid, i) => store.set(sid, sessionFor({ i }))))
      await halfMigrate(`${prefix}sid7`)
      const all = await store.all()
      assert.equal(all.map((session) => session.id).sort(), [...sids].sort())
      assert.is(await store.length(), sids.length)
      await store.clear()
      assert.is(await store.length(), 0)
      assert.is(await store.get('sid7'), null)
    } finally {
      await handle.close()
    }
  })
}

test.run()
