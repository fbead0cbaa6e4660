import { Redis as IORedis6, Cluster as IORedisCluster6 } from 'ioredis'
import { Redis as IORedis5, Cluster as IORedisCluster5 } from 'ioredis5'
import { Redis as IOValkey, Cluster as IOValkeyCluster } from 'iovalkey'
import * as nodeRedis6 from 'redis'
import * as nodeRedis4 from 'redis4'
import * as nodeRedis5 from 'redis5'
import type { Address, ClientHandle } from './clients.js'

/** Makes a connected client of one library for a cluster, given its root nodes. */
export type ConnectCluster = (rootNodes: Address[]) => Promise<ClientHandle>

/** Makes a connected client of one library for a sentinel-managed master, given the sentinels and the master's name. */
export type ConnectSentinel = (sentinels: Address[], name: string) => Promise<ClientHandle>

// The libraries' own types differ from version to version; the tests need only what all of them share.
interface Connectable {
  on(event: 'error', listener: () => void): unknown
  connect(): Promise<unknown>
}
interface NodeRedisTopologyLibrary {
  createCluster(options: { rootNodes: Array<{ socket: Address }> }): Connectable & { disconnect(): Promise<unknown> }
}
interface NodeRedisSentinelLibrary {
  createSentinel(options: { name: string; sentinelRootNodes: Address[] }): Connectable & { close(): Promise<unknown> }
}
type IORedisClusterConstructor = new (
  rootNodes: Address[],
  options: Record<string, unknown>,
) => Connectable & { disconnect(): void }
type IORedisConstructor = new (options: Record<string, unknown>) => Connectable & { disconnect(): void }

// Every client stays quiet on 'error' (a test kills a node on purpose); without a listener it would crash the process.
const quiet = (client: Connectable) => client.on('error', () => {})

function nodeRedisCluster(library: NodeRedisTopologyLibrary): ConnectCluster {
  return async (rootNodes) => {
    const cluster = library.createCluster({ rootNodes: rootNodes.map((socket) => ({ socket })) })
    quiet(cluster)
    await cluster.connect()
    return { client: cluster, close: async () => void (await cluster.disconnect().catch(() => {})) }
  }
}

function ioredisCluster(Cluster: IORedisClusterConstructor, extra: Record<string, unknown> = {}): ConnectCluster {
  return async (rootNodes) => {
    const cluster = new Cluster(rootNodes, { lazyConnect: true, ...extra })
    quiet(cluster)
    await cluster.connect()
    return { client: cluster, close: async () => cluster.disconnect() }
  }
}

function nodeRedisSentinel(library: NodeRedisSentinelLibrary): ConnectSentinel {
  return async (sentinelRootNodes, name) => {
    const sentinel = library.createSentinel({ name, sentinelRootNodes })
    quiet(sentinel)
    await sentinel.connect()
    return { client: sentinel, close: async () => void (await sentinel.close().catch(() => {})) }
  }
}

function ioredisSentinel(Library: IORedisConstructor): ConnectSentinel {
  return async (sentinels, name) => {
    const client = new Library({ sentinels, name, lazyConnect: true })
    quiet(client)
    await client.connect()
    return { client, close: async () => client.disconnect() }
  }
}

/** A connected cluster client of every supported library. */
export const clusterClients: Record<string, ConnectCluster> = {
  'node-redis 6 createCluster': nodeRedisCluster(nodeRedis6 as unknown as NodeRedisTopologyLibrary),
  'node-redis 5 createCluster': nodeRedisCluster(nodeRedis5 as unknown as NodeRedisTopologyLibrary),
  'node-redis 4 createCluster': nodeRedisCluster(nodeRedis4 as unknown as NodeRedisTopologyLibrary),
  'ioredis 6 Cluster': ioredisCluster(IORedisCluster6 as unknown as IORedisClusterConstructor),
  'ioredis 5 Cluster': ioredisCluster(IORedisCluster5 as unknown as IORedisClusterConstructor),
  'iovalkey Cluster': ioredisCluster(IOValkeyCluster as unknown as IORedisClusterConstructor),
}

/** A connected sentinel-aware client of every library that has one (node-redis 4 has no createSentinel). */
export const sentinelClients: Record<string, ConnectSentinel> = {
  'node-redis 6 createSentinel': nodeRedisSentinel(nodeRedis6 as unknown as NodeRedisSentinelLibrary),
  'node-redis 5 createSentinel': nodeRedisSentinel(nodeRedis5 as unknown as NodeRedisSentinelLibrary),
  'ioredis 6 sentinel mode': ioredisSentinel(IORedis6 as unknown as IORedisConstructor),
  'ioredis 5 sentinel mode': ioredisSentinel(IORedis5 as unknown as IORedisConstructor),
  'iovalkey sentinel mode': ioredisSentinel(IOValkey as unknown as IORedisConstructor),
}

export const connectIORedisClusterWithKeyPrefix = (keyPrefix: string) =>
  ioredisCluster(IORedisCluster6 as unknown as IORedisClusterConstructor, { keyPrefix })
