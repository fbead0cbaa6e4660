import { clusterInspector } from './helpers/cluster-inspector.js'
import { sharedServer, startCluster } from './helpers/servers.js'
import { clusterClients } from './helpers/topology-clients.js'
import { clusterWithClientKeyPrefix } from './suites/cluster-key-prefix.js'
import { clusterWithLazyConnect } from './suites/cluster-lazy-connect.js'
import { clusterRouting } from './suites/cluster-routing.js'
import { conformance } from './suites/conformance.js'

const cluster = sharedServer(startCluster)

const suites = Object.entries(clusterClients).flatMap(([name, connect]) => [
  conformance(`cluster of 3 masters and 3 replicas, ${name}`, {
    connect: async () => connect((await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
  clusterRouting(name, cluster, async () => connect((await cluster()).rootNodes)),
])
suites.push(clusterWithClientKeyPrefix(cluster))
suites.push(clusterWithLazyConnect(cluster))
suites.at(-1)?.after(cluster.stop)
for (const test of suites) test.run()
