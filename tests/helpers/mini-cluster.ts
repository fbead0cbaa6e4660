import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster as IORedisCluster } from 'ioredis'
import * as nodeRedis6 from 'redis'
import * as nodeRedis4 from 'redis4'
import * as nodeRedis5 from 'redis5'
import type { Address, ConnectClient } from './clients.js'
import { type Inspector, inspectorOn, type KeyCommands, type NodeCommands } from './inspector.js'
import { findOnPath } from './redis-binary.js'
import { type RunningRedis, startRedis } from './redis-server.js'

const run = promisify(execFile)

export interface MiniCluster {
  /** Every master; all slots are spread over them. */
  nodes: RunningRedis[]
  stop(): Promise<void>
}

/**
 * A Redis Cluster of `size` masters and no replicas on loopback, made with `redis-cli --cluster create`.
 * Each node is a server of startRedis, so it is stopped by PID, and killed if the process ends first.
 */
export async function startMiniCluster(size = 3): Promise<MiniCluster> {
  const configDir = mkdtempSync(join(tmpdir(), 'mini-cluster-'))
  const nodes: RunningRedis[] = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop().catch(() => {})))
    rmSync(configDir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < size; i++) {
      const config = join(configDir, `nodes-${i}.conf`)
      nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', config]))
    }
    const cli = findOnPath('redis-cli') ?? 'redis-cli'
    const addresses = nodes.map((node) => `${node.host}:${node.port}`)
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'])
    await Promise.all(nodes.map((node) => untilClusterOk(cli, node)))
    return { nodes, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function untilClusterOk(cli: string, node: Address): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { stdout } = await run(cli, ['-h', node.host, '-p', String(node.port), 'cluster', 'info'])
    if (stdout.includes('cluster_state:ok')) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`cluster node ${node.host}:${node.port} never reported cluster_state:ok`)
}

interface NodeRedisClusterLibrary {
  createCluster(options: { rootNodes: Array<{ url: string }> }): {
    on(event: 'error', listener: () => void): unknown
    connect(): Promise<unknown>
    disconnect?(): Promise<unknown>
    close?(): Promise<unknown>
  }
}

function nodeRedisCluster(library: NodeRedisClusterLibrary): (cluster: MiniCluster) => ReturnType<ConnectClient> {
  return async (cluster) => {
    const client = library.createCluster({ rootNodes: cluster.nodes.map((node) => ({ url: node.url })) })
    client.on('error', () => {})
    await client.connect()
    const close = async () => void (await (client.close ?? client.disconnect)?.call(client).catch(() => {}))
    return { client, close }
  }
}

/** A connected cluster client of every supported library. */
export const clusterClients: Record<string, (cluster: MiniCluster) => ReturnType<ConnectClient>> = {
  'node-redis 6 cluster': nodeRedisCluster(nodeRedis6 as unknown as NodeRedisClusterLibrary),
  'node-redis 5 cluster': nodeRedisCluster(nodeRedis5 as unknown as NodeRedisClusterLibrary),
  'node-redis 4 cluster': nodeRedisCluster(nodeRedis4 as unknown as NodeRedisClusterLibrary),
  'ioredis 6 cluster': async (cluster) => {
    const client = new IORedisCluster(
      cluster.nodes.map(({ host, port }) => ({ host, port })),
      { lazyConnect: true },
    )
    client.on('error', () => {})
    await client.connect()
    return { client, close: async () => client.disconnect() }
  },
}

/** An inspector on the cluster: key commands routed by slot, node commands on every master. */
export async function clusterInspector(cluster: MiniCluster): Promise<Inspector> {
  const router = nodeRedis6.createCluster({ rootNodes: cluster.nodes.map((node) => ({ url: node.url })) })
  router.on('error', () => {})
  await router.connect()
  const masters = await Promise.all(
    cluster.nodes.map(async ({ host, port }) => {
      const client = nodeRedis6.createClient({ socket: { host, port } })
      client.on('error', () => {})
      await client.connect()
      return client
    }),
  )
  return inspectorOn(router as unknown as KeyCommands, masters as unknown as NodeCommands[], async () => {
    await router.close()
    await Promise.all(masters.map((client) => client.close()))
  })
}
