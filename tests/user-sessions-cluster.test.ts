import { CLIENT_LIBRARIES, clusterClientName, connectCluster, connectGlideCluster, GLIDE } from './helpers/clients.js'
import { clusterInspector } from './helpers/inspector.js'
import { sharedServer, startCluster } from './helpers/servers.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// Index keys and session keys hash to different slots, on different masters: nothing may span them.
const cluster = sharedServer(startCluster)

const suites = CLIENT_LIBRARIES.map((library) =>
  userSessionsSuite(`cluster of 3 masters and 3 replicas, ${clusterClientName(library)}`, {
    connect: async () => connectCluster(library, (await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
)
suites.push(
  userSessionsSuite(`cluster of 3 masters and 3 replicas, ${GLIDE} GlideClusterClient`, {
    connect: async () => connectGlideCluster((await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
)
suites.at(-1)?.after(cluster.stop)
for (const test of suites) test.run()
