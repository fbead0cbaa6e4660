import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../../src/index.js'
import { connectCluster } from '../helpers/clients.js'
import { redisCli } from '../helpers/redis-cli.js'
import type { RunningCluster } from '../helpers/servers.js'
import { sessionFor, uniquePrefix } from '../helpers/sessions.js'

/** ioredis adds its own keyPrefix to keys but not to SCAN; on a cluster the slot is that of the prefixed key. */
export function clusterWithClientKeyPrefix(runningCluster: () => Promise<RunningCluster>) {
  const test = suite('cluster, ioredis 6 Cluster with a keyPrefix of its own')
  let cluster: RunningCluster
  test.before(async () => {
    cluster = await runningCluster()
  })

  test('lists, reads and clears the sessions under both prefixes', async () => {
    const keyPrefix = uniquePrefix('app')
    const handle = await connectCluster('ioredis 6', cluster.rootNodes, { keyPrefix })
    try {
      const prefix = 'sess:'
      const store = createRedisStore({ client: handle.client, prefix, scanCount: 20 })
      const sids = Array.from({ length: 200 }, (_, i) => `sid${i}`)
      await Promise.all(sids.map((sid) => store.set(sid, sessionFor({ sid }))))
      assert.equal((await store.ids()).sort(), [...sids].sort())
      assert.is((await store.all()).length, sids.length)
      const masters = (await cluster.topology()).filter((node) => node.role === 'master')
      const onServers = async () =>
        (await Promise.all(masters.map(({ port }) => redisCli(port, '--raw', 'KEYS', `${keyPrefix}${prefix}*`))))
          .join('\n')
          .split('\n')
          .filter(Boolean)
      assert.is((await onServers()).length, sids.length)
      await store.clear()
      assert.is(await store.length(), 0)
      assert.equal(await onServers(), [])
    } finally {
      await handle.close()
    }
  })

  return test
}
