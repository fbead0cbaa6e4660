import { type ConnectionEvents, connectionWatch } from './connection.js'
import { evalByDigest, type LuaScript } from './lua-script.js'
import { asText } from './reply-text.js'
import { scanNode, shardAfterShard } from './scan-node.js'
import { getManyBySlot, groupBySlot, onNode } from './slots.js'
import type { ScanShard, SessionClient } from './types.js'

/** The typed commands node-redis v4, v5 and v6 share on a client, a cluster and a sentinel. */
interface NodeRedisCommands extends ConnectionEvents {
  get(key: string): Promise<unknown>
  set(key: string, value: string, options?: { EX: number }): Promise<unknown>
  expire(key: string, seconds: number): Promise<unknown>
  del(keys: string | string[]): Promise<unknown>
  unlink(keys: string | string[]): Promise<unknown>
  mGet(keys: string[]): Promise<unknown[]>
  isReady?: boolean
  isOpen?: boolean
}

export interface NodeRedisClient extends NodeRedisCommands {
  sendCommand(args: string[]): Promise<unknown>
}

/** A cluster's connection to one of its nodes: a client, with pipelines (node-redis v4, v5, v6). */
interface NodeRedisNodeClient extends NodeRedisClient {
  multi(): { addCommand(args: string[]): unknown; execAsPipeline(): Promise<unknown[]> }
}

export interface NodeRedisCluster extends NodeRedisCommands {
  readonly masters: unknown[]
  /** node-redis 5 and 6 keep the cluster's options here; node-redis 4 keeps them out of sight. */
  readonly _options?: { useReplicas?: boolean }
  nodeClient(node: unknown): NodeRedisNodeClient | Promise<NodeRedisNodeClient>
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>
}

export interface NodeRedisSentinel extends NodeRedisCommands {
  getMasterNode(): unknown
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>
}

export const isNodeRedisCluster = (client: object): client is NodeRedisCluster =>
  Array.isArray((client as NodeRedisCluster).masters) && typeof (client as NodeRedisCluster).nodeClient === 'function'

export const isNodeRedisSentinel = (client: object): client is NodeRedisSentinel =>
  typeof (client as NodeRedisSentinel).getMasterNode === 'function' &&
  typeof (client as NodeRedisSentinel).sendCommand === 'function'

export const isNodeRedisClient = (client: object): client is NodeRedisClient =>
  typeof (client as NodeRedisClient).sendCommand === 'function' &&
  typeof (client as NodeRedisClient).mGet === 'function' &&
  typeof (client as NodeRedisClient).isOpen === 'boolean'

// A client leaves 'ready' with 'reconnecting' (or 'end' when closed); only 'error' tells that its reconnect
// strategy gave up. A cluster (v4, v5) says only whether it is open: 'connect' and 'disconnect' change that.
const CLIENT_CONNECTION_EVENTS = ['ready', 'reconnecting', 'end', 'error'] as const
const CLUSTER_CONNECTION_EVENTS = ['connect', 'disconnect', 'error'] as const

function commonCommands(client: NodeRedisCommands, connectionEvents: readonly string[]) {
  const isReady = () => client.isReady ?? client.isOpen ?? false
  return {
    get: (key: string) => client.get(key).then(asText),
    set: (key: string, value: string, ttlSeconds?: number) =>
      ttlSeconds === undefined ? client.set(key, value) : client.set(key, value, { EX: ttlSeconds }),
    expire: (key: string, ttlSeconds: number) => client.expire(key, ttlSeconds),
    del: (key: string) => client.del(key),
    // Sessions in a cluster land in many slots; node-redis 5 refuses a command that spans two (CROSSSLOT).
    getMany: (keys: readonly string[]) => getManyBySlot(keys, async (group) => (await client.mGet(group)).map(asText)),
    unlinkMany: (keys: readonly string[]) => Promise.all(groupBySlot(keys).map((group) => client.unlink(group))),
    isReady,
    watchConnection: connectionWatch(client, connectionEvents, isReady),
  }
}

// Sent raw: node-redis 4's cluster routes its typed eval() to a random node (it reads the keys from the wrong argument).
const evalOn = (send: SendCommand, script: LuaScript, key: string, args: readonly string[]) =>
  evalByDigest(script, (command, scriptOrSha) => send([command, scriptOrSha, '1', key, ...args]))

const scanArgs = (cursor: string, match: string, count: number) => [
  'SCAN',
  cursor,
  'MATCH',
  match,
  'COUNT',
  String(count),
]

/** Sends a raw command to the one server a client or sentinel stands for, or on a cluster to the master of `firstKey`. */
type SendCommand = (args: string[], firstKey?: string) => Promise<unknown>

// A raw command is marked as a write, which a client set up to read from replicas (a cluster's useReplicas, a
// sentinel's replicaPoolSize) sends to the master: a replica may not have the store's last write yet, and would
// serve a session just destroyed or miss one just created.
const getFromMaster = (send: SendCommand) => async (key: string) => asText(await send(['GET', key], key))
const mGetFromMaster = (send: SendCommand) => async (keys: readonly string[]) =>
  ((await send(['MGET', ...keys], keys[0])) as unknown[]).map(asText)

// One server holds every key: a page is one MGET or one UNLINK, with no per-key slot arithmetic.
function singleServerAdapter(
  kind: string,
  client: NodeRedisCommands,
  send: SendCommand,
  getMany: SessionClient['getMany'] = async (keys) => (await client.mGet([...keys])).map(asText),
): SessionClient {
  const adapter: SessionClient = {
    kind,
    spansNodes: false,
    ...commonCommands(client, CLIENT_CONNECTION_EVENTS),
    getMany,
    unlinkMany: (keys) => client.unlink([...keys]),
    scan: (match, count) => scanWith(send, match, count),
    scanShards: async (match, count) => [
      {
        pages: scanWith(send, match, count),
        getMany: (keys) => adapter.getMany(keys),
        unlinkMany: (keys) => adapter.unlinkMany(keys),
      },
    ],
    evalOnKey: (script, key, args) => evalOn(send, script, key, args),
  }
  return adapter
}

const scanWith = (send: SendCommand, match: string, count: number): AsyncIterable<string[]> =>
  scanNode(async (cursor) => (await send(scanArgs(cursor, match, count))) as [string, string[]])

export function nodeRedisClientAdapter(client: NodeRedisClient, kind = 'node-redis client'): SessionClient {
  return singleServerAdapter(kind, client, (args) => client.sendCommand(args))
}

export function nodeRedisSentinelAdapter(client: NodeRedisSentinel): SessionClient {
  // The master has every key; a replica could lag behind it. Whether the sentinel has a replica pool is not exposed.
  const send: SendCommand = (args) => client.sendCommand(false, args)
  return { ...singleServerAdapter('node-redis sentinel', client, send, mGetFromMaster(send)), get: getFromMaster(send) }
}

// A cluster that reads from masters keeps its typed GET, which its client-side cache (node-redis 5, 6) can answer.
const mayReadFromReplicas = (cluster: NodeRedisCluster) =>
  cluster._options === undefined || cluster._options.useReplicas === true

export function nodeRedisClusterAdapter(cluster: NodeRedisCluster): SessionClient {
  const send: SendCommand = (args, firstKey) => cluster.sendCommand(firstKey, false, args)
  const adapter: SessionClient = {
    kind: 'node-redis cluster',
    spansNodes: true,
    ...commonCommands(cluster, CLUSTER_CONNECTION_EVENTS),
    ...(mayReadFromReplicas(cluster) && {
      get: getFromMaster(send),
      getMany: (keys: readonly string[]) => getManyBySlot(keys, mGetFromMaster(send)),
    }),
    scan: (match, count) => shardAfterShard(masterShards(cluster, match, count, adapter)),
    scanShards: (match, count) => masterShards(cluster, match, count, adapter),
    evalOnKey: (script, key, args) => evalOn((command) => send(command, key), script, key, args),
  }
  return adapter
}

// Each master holds its own slots, so each is scanned; replicas would only repeat their master's keys. The keys a
// master lists are read and removed on that master's own connection, without the cluster's routing.
async function masterShards(
  cluster: NodeRedisCluster,
  match: string,
  count: number,
  routed: Pick<SessionClient, 'getMany' | 'unlinkMany'>,
): Promise<ScanShard[]> {
  const nodes = await Promise.all([...cluster.masters].map((master) => cluster.nodeClient(master)))
  return nodes.map((node) => {
    const sendToNode = (args: string[]) => node.sendCommand(args)
    return {
      pages: scanWith(sendToNode, match, count),
      ...onNode(
        {
          mget: async (group) => ((await sendToNode(['MGET', ...group])) as unknown[]).map(asText),
          unlink: (group) => sendToNode(['UNLINK', ...group]),
          pipeline: (commands) => {
            const batch = node.multi()
            for (const command of commands) batch.addCommand(command)
            return batch.execAsPipeline()
          },
        },
        routed,
      ),
    }
  })
}
