import {
  CLIENT_LIBRARIES,
  clusterClientName,
  connectCluster,
  connectGlideCluster,
  GLIDE,
  replicaReadingOptions,
} from './helpers/clients.js'
import { clusterInspector } from './helpers/inspector.js'
import type { ClusterNode } from './helpers/redis-cli.js'
import { sharedServer, startCluster } from './helpers/servers.js'
import { clusterWithClientKeyPrefix } from './suites/cluster-key-prefix.js'
import { clusterWithLazyConnect } from './suites/cluster-lazy-connect.js'
import { clusterRouting } from './suites/cluster-routing.js'
import { conformance } from './suites/conformance.js'
import { replicaReads } from './suites/replica-reads.js'

const cluster = sharedServer(startCluster)
const rolesOf = (nodes: ClusterNode[]) => ({
  masters: nodes.filter((node) => node.role === 'master').map((node) => node.port),
  replicas: nodes.filter((node) => node.role === 'replica').map((node) => node.port),
})

const suites = CLIENT_LIBRARIES.flatMap((library) => {
  const name = clusterClientName(library)
  const connect = async () => connectCluster(library, (await cluster()).rootNodes)
  const reads = replicaReadingOptions(library)
  const connectReadingReplicas = async () => connectCluster(library, (await cluster()).rootNodes, reads.cluster)
  return [
    conformance(`cluster of 3 masters and 3 replicas, ${name}`, {
      connect,
      inspector: async () => clusterInspector(await cluster()),
    }),
    // Routing is checked with a client that reads from replicas wherever the store accepts one.
    clusterRouting(name, cluster, reads.masterPerCommand ? connectReadingReplicas : connect),
    replicaReads(`cluster, ${name}`, {
      connect: connectReadingReplicas,
      roles: async () => rolesOf(await (await cluster()).topology()),
      options: reads.cluster,
      masterPerCommand: reads.masterPerCommand,
    }),
  ]
})
const glideName = `${GLIDE} GlideClusterClient`
const glideReadingReplicas = { readFrom: 'preferReplica' } as const
suites.push(
  conformance(`cluster of 3 masters and 3 replicas, ${glideName}`, {
    connect: async () => connectGlideCluster((await cluster()).rootNodes),
    inspector: async () => clusterInspector(await cluster()),
  }),
  clusterRouting(glideName, cluster, async () => connectGlideCluster((await cluster()).rootNodes)),
  replicaReads(`cluster, ${glideName}`, {
    connect: async () => connectGlideCluster((await cluster()).rootNodes, glideReadingReplicas),
    roles: async () => rolesOf(await (await cluster()).topology()),
    options: glideReadingReplicas,
    masterPerCommand: false,
    masterValue: 'primary',
  }),
)
suites.push(clusterWithClientKeyPrefix(cluster))
suites.push(clusterWithLazyConnect(cluster))
suites.at(-1)?.after(cluster.stop)
for (const test of suites) test.run()
