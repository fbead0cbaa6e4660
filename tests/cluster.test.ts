import { clusterWithClientKeyPrefix } from './cluster-key-prefix.js'
import { clusterWithLazyConnect } from './cluster-lazy-connect.js'
import { clusterRouting } from './cluster-routing.js'
import { conformance } from './conformance.js'
import { startCluster } from './helpers/cluster.js'
import { clusterInspector } from './helpers/cluster-inspector.js'
import { clusterClients } from './helpers/topology-clients.js'

const cluster = await startCluster()

const suites = Object.entries(clusterClients).flatMap(([name, connect]) => [
  conformance(`cluster of 3 masters and 3 replicas, ${name}`, {
    connect: () => connect(cluster.rootNodes),
    inspector: () => clusterInspector(cluster),
  }),
  clusterRouting(name, cluster, () => connect(cluster.rootNodes)),
])
suites.push(clusterWithClientKeyPrefix(cluster))
suites.push(clusterWithLazyConnect(cluster))
suites.at(-1)?.after(() => cluster.stop())
for (const test of suites) test.run()
