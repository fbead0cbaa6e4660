import { describe } from '../helpers/errors.js'
import { escapeGlob } from '../helpers/keys.js'
import { type ConnectionEvents, connectionWatch } from './connection.js'
import { evalByDigest } from './lua-script.js'
import { scanNode, shardAfterShard } from './scan-node.js'
import { getManyBySlot, groupBySlot, onNode } from './slots.js'
import type { ScanShard, SessionClient } from './types.js'
import { withoutArguments } from './without-arguments.js'

/** What the store uses of an ioredis (or iovalkey) client, standalone, sentinel-managed or cluster. */
export interface IORedisClient extends ConnectionEvents {
  readonly isCluster: boolean
  readonly status: string
  readonly options?: {
    keyPrefix?: string | undefined
    /** A cluster's: which nodes its reads go to. */
    scaleReads?: unknown
    /** A sentinel-managed client's: whether it connects to the master or to a replica. */
    role?: unknown
    sentinels?: unknown
    lazyConnect?: boolean | undefined
  }
  get(key: string): Promise<string | null>
  set(key: string, value: string, ...expiry: ['EX', number] | []): Promise<unknown>
  expire(key: string, seconds: number): Promise<unknown>
  del(...keys: string[]): Promise<unknown>
  unlink(...keys: string[]): Promise<unknown>
  mget(...keys: string[]): Promise<Array<string | null>>
  scan(cursor: string, ...args: Array<string | number>): Promise<[string, string[]]>
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>
  nodes?(role: 'master'): IORedisClient[]
  ping(): Promise<unknown>
}

export const isIORedis = (client: object): client is IORedisClient =>
  typeof (client as IORedisClient).isCluster === 'boolean' &&
  typeof (client as IORedisClient).status === 'string' &&
  typeof (client as IORedisClient).mget === 'function'

// Every way out of 'ready' goes through 'close'; 'reconnecting' and 'end' follow it, 'ready' ends it.
const IOREDIS_CONNECTION_EVENTS = ['ready', 'close', 'reconnecting', 'end'] as const

// ioredis decides which node a command goes to from the command alone, so a client that reads from replicas cannot
// be told to send the store's reads to the master; a replica may not have the store's last write yet.
function refuseReplicaReads(client: IORedisClient): void {
  const { scaleReads = 'master', role = 'master', sentinels } = client.options ?? {}
  if (client.isCluster && scaleReads !== 'master') {
    throw replicaReadsError(
      `an ioredis (or iovalkey) Cluster with scaleReads ${describe(scaleReads)}`,
      'scaleReads: "master" (the default)',
    )
  }
  if (!client.isCluster && sentinels && role !== 'master') {
    throw replicaReadsError(
      `an ioredis (or iovalkey) client with sentinels and role ${describe(role)}`,
      'role: "master" (the default)',
    )
  }
}

const replicaReadsError = (what: string, remedy: string) =>
  new TypeError(
    `redis-session-store: option "client" must read from the master, but is ${what}, which reads from replicas: ` +
      `the store could load a session just destroyed, or miss one just created. Give the store a client created with ${remedy}.`,
  )

export function ioredisAdapter(client: IORedisClient): SessionClient {
  refuseReplicaReads(client)
  // ioredis adds its keyPrefix to every key argument but neither to SCAN MATCH nor to the keys SCAN returns.
  const clientPrefix = client.options?.keyPrefix ?? ''
  // Taken literally in SCAN MATCH, as the store's own prefix is: `app[1]:` must not match `app1:`.
  const clientMatchPrefix = escapeGlob(clientPrefix)
  const unprefixed = (key: string) => (key.startsWith(clientPrefix) ? key.slice(clientPrefix.length) : key)
  const slotOf = (key: string) => clientPrefix + key
  async function masters(): Promise<IORedisClient[]> {
    if (!client.isCluster || !client.nodes) return [client]
    // A cluster knows its masters only once it is ready: one created with lazyConnect, or still connecting, knows
    // none, and SCAN goes to the nodes directly, past its offline queue. A PING waits in that queue (and connects
    // a lazy cluster), as any other command would.
    if (client.status !== 'ready') await client.ping()
    return client.nodes('master')
  }

  async function* pagesOf(node: IORedisClient, match: string, count: number): AsyncIterable<string[]> {
    for await (const keys of scanNode((cursor) =>
      node.scan(cursor, 'MATCH', clientMatchPrefix + match, 'COUNT', count),
    )) {
      yield keys.map(unprefixed)
    }
  }

  // A cluster's node adds its own keyPrefix (from redisOptions), if any, to the keys it is sent; the cluster's is
  // what the server has before each key the store names.
  function shardOf(node: IORedisClient, match: string, count: number): ScanShard {
    const pages = pagesOf(node, match, count)
    const nodePrefix = node.options?.keyPrefix ?? ''
    if (!client.isCluster || !clientPrefix.startsWith(nodePrefix)) return { pages, ...routed }
    const asNodeKey = (key: string) => (clientPrefix + key).slice(nodePrefix.length)
    const direct = onNode(
      {
        mget: (group) => node.mget(...group.map(asNodeKey)).catch(withoutArguments),
        unlink: (group) => node.unlink(...group.map(asNodeKey)).catch(withoutArguments),
      },
      routed,
      slotOf,
    )
    return { pages, ...direct }
  }

  const scanShards = async (match: string, count: number) =>
    (await masters()).map((node) => shardOf(node, match, count))

  const routed = {
    getMany: (keys: readonly string[]) =>
      (client.isCluster ? getManyBySlot(keys, (group) => client.mget(...group), slotOf) : client.mget(...keys)).catch(
        withoutArguments,
      ),
    unlinkMany: (keys: readonly string[]) =>
      (client.isCluster
        ? Promise.all(groupBySlot(keys, slotOf).map((group) => client.unlink(...group)))
        : client.unlink(...keys)
      ).catch(withoutArguments),
  }

  const isReady = readiness(client)

  return {
    kind: client.isCluster ? 'ioredis cluster' : 'ioredis client',
    spansNodes: client.isCluster === true,
    get: (key) => client.get(key).catch(withoutArguments),
    set: (key, value, ttlSeconds) =>
      (ttlSeconds === undefined ? client.set(key, value) : client.set(key, value, 'EX', ttlSeconds)).catch(
        withoutArguments,
      ),
    expire: (key, ttlSeconds) => client.expire(key, ttlSeconds).catch(withoutArguments),
    del: (key) => client.del(key).catch(withoutArguments),
    ...routed,
    scan: (match, count) => shardAfterShard(scanShards(match, count)),
    scanShards,
    evalOnKey: (script, key, args) =>
      evalByDigest(script, (command, scriptOrSha) =>
        command === 'EVALSHA'
          ? client.evalsha(scriptOrSha, 1, key, ...args)
          : client.eval(scriptOrSha, 1, key, ...args),
      ).catch(withoutArguments),
    isReady,
    watchConnection: connectionWatch(client, IOREDIS_CONNECTION_EVENTS, isReady),
  }
}

// A client connecting for the first time goes from 'wait' through 'connecting' and 'connect' to 'ready'.
const FIRST_CONNECTION = new Set(['wait', 'connecting', 'connect'])

/**
 * Whether the client can take commands now: when it is ready, and while a lazyConnect client that has never been
 * connected makes its first connection, which its first command starts (the commands sent meanwhile wait for it in
 * its queue, under the store's deadline). Once it has closed a connection, or failed to make one, it counts as
 * disconnected until it is ready again, as any other client.
 */
function readiness(client: IORedisClient): () => boolean {
  let firstConnection = client.options?.lazyConnect === true && FIRST_CONNECTION.has(client.status)
  if (firstConnection) {
    const over = () => {
      firstConnection = false
    }
    client.on('ready', over)
    client.on('close', over)
  }
  return () => client.status === 'ready' || (firstConnection && FIRST_CONNECTION.has(client.status))
}
