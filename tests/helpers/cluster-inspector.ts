import { createClient, createCluster } from 'redis'
import { type Inspector, inspectorOn } from './inspector.js'
import type { RunningCluster } from './servers.js'

/**
 * Looks at a cluster directly: single-key commands through a node-redis 6 cluster (which routes them
 * by slot), KEYS and INFO on each master as the cluster is when the inspector is made.
 */
export async function clusterInspector(cluster: RunningCluster): Promise<Inspector> {
  const router = createCluster({ rootNodes: cluster.rootNodes.map((socket) => ({ socket })) })
  router.on('error', () => {})
  await router.connect()
  const masters = (await cluster.topology()).filter((node) => node.role === 'master' && !node.failed)
  const nodes = await Promise.all(
    masters.map(async ({ port }) => {
      const node = createClient({ socket: { host: '127.0.0.1', port } })
      node.on('error', () => {})
      await node.connect()
      return node
    }),
  )
  return inspectorOn(router, nodes, async () => {
    await Promise.all([router.close(), ...nodes.map((node) => node.close())])
  })
}
