import { clusterClientName, connectCluster, connectGlideCluster, GLIDE } from './helpers/clients.js'
import { clusterInspector } from './helpers/inspector.js'
import { sharedServer, startCluster } from './helpers/servers.js'
import { sessionLimitSuite } from './suites/session-limit.js'

// A user's index, activity and lock keys, and each of their sessions' keys, hash to different slots, on different masters.
const cluster = sharedServer(startCluster)

const suites = (['node-redis 6', 'node-redis 5', 'ioredis 6'] as const).map((library) =>
  sessionLimitSuite(`cluster of 3 masters and 3 replicas, ${clusterClientName(library)}`, {
    connect: async () => connectCluster(library, (await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
)
suites.push(
  sessionLimitSuite(`cluster of 3 masters and 3 replicas, ${GLIDE} GlideClusterClient`, {
    connect: async () => connectGlideCluster((await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
)
suites.at(-1)?.after(cluster.stop)
for (const test of suites) test.run()
