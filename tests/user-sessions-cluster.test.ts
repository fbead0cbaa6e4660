import { clusterClients, clusterInspector, startMiniCluster } from './helpers/mini-cluster.js'
import { clusterRaw } from './helpers/raw-commands.js'
import { userSessionsSuite } from './user-sessions.js'

// Index keys and session keys hash to different slots, on different masters: nothing may span them.
const cluster = await startMiniCluster(3)

const suites = Object.entries(clusterClients).map(([name, connect]) =>
  userSessionsSuite(`cluster of 3 masters, ${name}`, {
    connect: () => connect(cluster),
    inspector: () => clusterInspector(cluster),
    raw: () => clusterRaw(cluster.nodes),
  }),
)
suites.at(-1)?.after(() => cluster.stop())
for (const test of suites) test.run()
