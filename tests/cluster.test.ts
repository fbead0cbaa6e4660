import { CLIENT_LIBRARIES, clusterClientName, connectCluster } from './helpers/clients.js'
import { clusterInspector } from './helpers/inspector.js'
import { sharedServer, startCluster } from './helpers/servers.js'
import { clusterWithClientKeyPrefix } from './suites/cluster-key-prefix.js'
import { clusterWithLazyConnect } from './suites/cluster-lazy-connect.js'
import { clusterRouting } from './suites/cluster-routing.js'
import { conformance } from './suites/conformance.js'

const cluster = sharedServer(startCluster)

const suites = CLIENT_LIBRARIES.flatMap((library) => {
  const name = clusterClientName(library)
  const connect = async () => connectCluster(library, (await cluster()).rootNodes)
  return [
    conformance(`cluster of 3 masters and 3 replicas, ${name}`, {
      connect,
      inspector: async () => clusterInspector(await cluster()),
    }),
    clusterRouting(name, cluster, connect),
  ]
})
suites.push(clusterWithClientKeyPrefix(cluster))
suites.push(clusterWithLazyConnect(cluster))
suites.at(-1)?.after(cluster.stop)
for (const test of suites) test.run()
