import { Cluster as IORedisCluster6 } from 'ioredis'
import { Cluster as IORedisCluster5 } from 'ioredis5'
import { Cluster as IOValkeyCluster } from 'iovalkey'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../../src/index.js'
import { createRedisStore, scanKeys } from '../../src/index.js'
import { clusterInspector } from '../helpers/inspector.js'
import type { RunningCluster } from '../helpers/servers.js'
import { sessionFor, uniquePrefix } from '../helpers/sessions.js'

type LazyCluster = new (
  rootNodes: Array<{ host: string; port: number }>,
  options?: { lazyConnect: true },
) => { on(event: 'error', listener: () => void): unknown; disconnect(): void }

const libraries: Record<string, LazyCluster> = {
  'ioredis 6': IORedisCluster6 as unknown as LazyCluster,
  'ioredis 5': IORedisCluster5 as unknown as LazyCluster,
  iovalkey: IOValkeyCluster as unknown as LazyCluster,
}

/** A Cluster knows no nodes until it is ready (lazyConnect, or still connecting); scans must not take that for an empty store. */
export function clusterWithLazyConnect(runningCluster: () => Promise<RunningCluster>) {
  const test = suite('cluster, an ioredis Cluster that is not ready yet')
  let cluster: RunningCluster
  test.before(async () => {
    cluster = await runningCluster()
  })

  for (const [name, Cluster] of Object.entries(libraries)) {
    for (const method of ['length', 'ids', 'all', 'clear'] as const) {
      test(`${name}: ${method}() finds the sessions already stored`, async () => {
        const prefix = uniquePrefix('lazy')
        const sids = Array.from({ length: 30 }, (_, i) => `sid${i}`)
        const redis = await clusterInspector(cluster)
        const lazy = new Cluster(cluster.rootNodes, { lazyConnect: true })
        lazy.on('error', () => {})
        try {
          for (const sid of sids) await redis.set(`${prefix}${sid}`, JSON.stringify(sessionFor({ sid })))
          const store = createRedisStore({ client: lazy as unknown as SupportedClient, prefix })
          if (method === 'length') assert.is(await store.length(), sids.length)
          if (method === 'ids') assert.equal((await store.ids()).sort(), [...sids].sort())
          if (method === 'all') assert.is((await store.all()).length, sids.length)
          if (method === 'clear') {
            await store.clear()
            assert.equal(
              (await redis.keys()).filter((key) => key.startsWith(prefix)),
              [],
            )
          }
        } finally {
          lazy.disconnect()
          await redis.close()
        }
      })
    }
  }

  for (const [name, Cluster] of Object.entries(libraries)) {
    test(`${name}: 20 concurrent calls made at creation all succeed while its first connection is made`, async () => {
      const prefix = uniquePrefix('lazy-calls')
      const lazy = new Cluster(cluster.rootNodes, { lazyConnect: true })
      lazy.on('error', () => {})
      try {
        const store = createRedisStore({ client: lazy as unknown as SupportedClient, prefix, timeout: 10_000 })
        const sids = Array.from({ length: 10 }, (_, i) => `s${i}`)
        const outcomes = await Promise.allSettled([
          ...sids.map((sid) => store.set(sid, sessionFor({ sid }))),
          ...sids.map((sid) => store.get(`other-${sid}`)),
        ])
        const failed = outcomes.filter((outcome) => outcome.status === 'rejected')
        assert.is(failed.length, 0, `${failed.length} of ${outcomes.length} calls failed`)
        for (const sid of sids) assert.equal(await store.get(sid), sessionFor({ sid }))
      } finally {
        lazy.disconnect()
      }
    })
  }

  for (const [name, Cluster] of Object.entries(libraries)) {
    test(`${name}: scanKeys() on a cluster still connecting finds every key`, async () => {
      const prefix = uniquePrefix('connecting')
      const keys = Array.from({ length: 30 }, (_, i) => `${prefix}${i}`)
      const redis = await clusterInspector(cluster)
      for (const key of keys) await redis.set(key, 'x')
      await redis.close()
      // Scanned at once, as a script that creates its client and goes straight to work does.
      const connecting = new Cluster(cluster.rootNodes)
      connecting.on('error', () => {})
      try {
        const found: string[] = []
        for await (const page of scanKeys(connecting, { prefix })) found.push(...page)
        assert.equal(found.sort(), [...keys].sort())
      } finally {
        connecting.disconnect()
      }
    })
  }

  return test
}
