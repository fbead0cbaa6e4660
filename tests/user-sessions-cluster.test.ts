import { startCluster } from './helpers/cluster.js'
import { clusterInspector } from './helpers/cluster-inspector.js'
import { clusterRaw } from './helpers/raw-commands.js'
import { clusterClients } from './helpers/topology-clients.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// Index keys and session keys hash to different slots, on different masters: nothing may span them.
const cluster = await startCluster()

const suites = Object.entries(clusterClients).map(([name, connect]) =>
  userSessionsSuite(`cluster of 3 masters and 3 replicas, ${name}`, {
    connect: () => connect(cluster.rootNodes),
    inspector: () => clusterInspector(cluster),
    raw: () => clusterRaw(cluster.rootNodes),
  }),
)
suites.at(-1)?.after(() => cluster.stop())
for (const test of suites) test.run()
