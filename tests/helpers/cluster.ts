import calculateSlot from 'cluster-key-slot'
import { redisBinary } from '../../dev/redis-binary.js'
import type { Address } from './clients.js'
import { waitFor } from './poll.js'
import { infoFields, redisCli } from './redis-cli.js'
import { loopbackServerArgs, type ServerProcess, startServerProcess } from './server-process.js'

export const CLUSTER_SLOTS = 16_384

/** One node as a node of the cluster sees it (a line of CLUSTER NODES). */
export interface ClusterNode {
  id: string
  port: number
  role: 'master' | 'replica'
  failed: boolean
  /** The slot ranges a master serves, [first, last] inclusive. */
  slots: Array<[number, number]>
}

export interface RunningCluster {
  /** Every node process, masters and replicas, in start order. */
  processes: ServerProcess[]
  /** Where a cluster client starts its discovery. */
  rootNodes: Address[]
  /** The cluster as the surviving nodes see it now. */
  topology(): Promise<ClusterNode[]>
  /** The process of the node that serves a key's slot now. */
  masterOf(key: string): Promise<ServerProcess>
  /** Kills a master by PID and resolves once one of its replicas serves its slots and the cluster is ok. */
  failOver(master: ServerProcess): Promise<void>
  stop(): Promise<void>
}

// Short enough that a failover takes a few seconds, long enough that a loaded CI machine does not start one by itself.
const NODE_TIMEOUT_MS = 3000

/**
 * Starts six redis-server processes with cluster mode on (each on free ports, each in a directory of
 * its own), creates a cluster of 3 masters with one replica each with redis-cli, and resolves once
 * every node sees all slots served and all six nodes.
 */
export async function startCluster(): Promise<RunningCluster> {
  const binary = redisBinary()
  const processes: ServerProcess[] = []
  try {
    for (let i = 0; i < 6; i++) processes.push(await startClusterNode(binary))
    await redisCli(
      processes[0]?.port ?? 0,
      '--cluster',
      'create',
      ...processes.map(({ host, port }) => `${host}:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    )
    await waitFor('every node to see a healthy cluster of 3 masters and 3 replicas', () =>
      everyNode(processes, healthy(3, 3)),
    )
    await waitFor('every replica to be in sync with its master', () => replicasInSync(processes))
  } catch (error) {
    await Promise.all(processes.map((node) => node.stop()))
    throw error
  }
  return clusterOf(processes)
}

const startClusterNode = (binary: string) =>
  startServerProcess({
    binary,
    needsBusPort: true,
    args: (port, dir) => [
      ...loopbackServerArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      // A replica takes over however long it has been cut off from its master.
      '--cluster-replica-validity-factor',
      '0',
      // Replicas sync at once instead of after the default 5 s batching delay.
      '--repl-diskless-sync-delay',
      '0',
    ],
  })

function clusterOf(processes: ServerProcess[]): RunningCluster {
  const alive = new Set(processes)
  const processOn = (port: number) => {
    const found = processes.find((node) => node.port === port)
    if (!found) throw new Error(`no cluster node on port ${port}`)
    return found
  }
  const topology = async () => {
    const [any] = alive
    if (!any) throw new Error('every cluster node is stopped')
    return clusterNodes(await redisCli(any.port, 'CLUSTER', 'NODES'))
  }
  const masterOf = async (key: string) => {
    const slot = calculateSlot(key)
    const owner = (await topology()).find(
      (node) => node.role === 'master' && !node.failed && node.slots.some(([a, b]) => a <= slot && slot <= b),
    )
    if (!owner) throw new Error(`no master serves slot ${slot}`)
    return processOn(owner.port)
  }

  return {
    processes,
    rootNodes: processes.map(({ host, port }) => ({ host, port })),
    topology,
    masterOf,
    async failOver(master) {
      const before = (await topology()).find((node) => node.port === master.port)
      if (before?.role !== 'master') throw new Error(`node ${master.port} is not a master`)
      await master.kill()
      alive.delete(master)
      await waitFor(
        `a replica of ${master.port} to take over its slots`,
        () =>
          everyNode([...alive], (nodes, info) => info.get('cluster_state') === 'ok' && servesSlotsOf(before, nodes)),
        { timeoutMs: 60_000 },
      )
    },
    async stop() {
      await Promise.all(processes.map((node) => node.stop()))
    },
  }
}

async function everyNode(
  processes: ServerProcess[],
  check: (nodes: ClusterNode[], info: Map<string, string>) => boolean,
): Promise<boolean> {
  for (const { port } of processes) {
    const [nodes, info] = await Promise.all([redisCli(port, 'CLUSTER', 'NODES'), redisCli(port, 'CLUSTER', 'INFO')])
    if (!check(clusterNodes(nodes), infoFields(info))) return false
  }
  return true
}

async function replicasInSync(processes: ServerProcess[]): Promise<boolean> {
  const infos = await Promise.all(processes.map(({ port }) => redisCli(port, 'INFO', 'replication')))
  const roles = infos.map(infoFields)
  return roles.every((info) => info.get('role') === 'master' || info.get('master_link_status') === 'up')
}

const healthy = (masters: number, replicas: number) => (nodes: ClusterNode[], info: Map<string, string>) =>
  info.get('cluster_state') === 'ok' &&
  info.get('cluster_slots_ok') === String(CLUSTER_SLOTS) &&
  nodes.filter((node) => node.role === 'master' && !node.failed).length === masters &&
  nodes.filter((node) => node.role === 'replica' && !node.failed).length === replicas

// The failed master's slots are served by another node that is a master and alive.
const servesSlotsOf = (failed: ClusterNode, nodes: ClusterNode[]) =>
  failed.slots.every(([first]) =>
    nodes.some(
      (node) =>
        node.port !== failed.port &&
        node.role === 'master' &&
        !node.failed &&
        node.slots.some(([a, b]) => a <= first && first <= b),
    ),
  )

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
export function clusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', , , , , , ...slots] = line.trim().split(' ')
      const flagList = flags.split(',')
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').at(-1)),
        role: flagList.includes('master') ? 'master' : 'replica',
        failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => {
            const [first = '', last = first] = slot.split('-')
            return [Number(first), Number(last)] as [number, number]
          }),
      }
    })
}
