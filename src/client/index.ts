import { describe } from '../helpers/errors.js'
import { glideClientAdapter, glideClusterAdapter, isGlide, isGlideCluster } from './glide.js'
import { ioredisAdapter, isIORedis } from './ioredis.js'
import {
  isNodeRedisClient,
  isNodeRedisCluster,
  isNodeRedisSentinel,
  nodeRedisClientAdapter,
  nodeRedisClusterAdapter,
  nodeRedisSentinelAdapter,
} from './node-redis.js'
import { isNodeRedisLegacyMode, isNodeRedisV4View, promiseViewOf } from './node-redis-legacy.js'
import type { SessionClient } from './types.js'

export type { SessionClient } from './types.js'

const ACCEPTED_CLIENTS =
  'a node-redis client, cluster or sentinel (redis v4, v5, v6: createClient, createCluster, createSentinel) ' +
  'an ioredis/iovalkey client or cluster (new Redis(), new Redis.Cluster()) ' +
  'or a Valkey GLIDE client or cluster client (GlideClient.createClient, GlideClusterClient.createClient)'

// One adapter per client object, shared by the store and by helpers such as scanKeys.
const adapters = new WeakMap<object, SessionClient>()

/** The store's view of a Redis client, recognised by its shape; anything else is a TypeError. */
export function sessionClientFor(client: unknown): SessionClient {
  if (typeof client !== 'object' || client === null) throw unrecognised(client)
  let adapter = adapters.get(client)
  if (!adapter) {
    adapter = adapterFor(client)
    adapters.set(client, adapter)
  }
  return adapter
}

function adapterFor(client: object): SessionClient {
  if (isIORedis(client)) return ioredisAdapter(client)
  if (isGlide(client)) return isGlideCluster(client) ? glideClusterAdapter(client) : glideClientAdapter(client)
  if (isNodeRedisCluster(client)) return nodeRedisClusterAdapter(client)
  if (isNodeRedisSentinel(client)) return nodeRedisSentinelAdapter(client)
  // Before isNodeRedisClient, which a legacyMode client also passes: its own methods answer through callbacks.
  if (isNodeRedisLegacyMode(client))
    return nodeRedisClientAdapter(promiseViewOf(client), 'node-redis client (legacyMode)')
  if (isNodeRedisClient(client)) return nodeRedisClientAdapter(client)
  if (isNodeRedisV4View(client)) throw v4ViewAlone()
  throw unrecognised(client)
}

const v4ViewAlone = () =>
  new TypeError(
    'redis-session-store: option "client" looks like the `.v4` of a node-redis 4 legacyMode client, which has ' +
      "neither the client's events nor its connection state; pass the client itself (legacyMode is supported)",
  )

// A string here is most likely a connection URL, which may hold a password: only its length is told.
const unrecognised = (client: unknown) =>
  new TypeError(
    `redis-session-store: option "client" must be ${ACCEPTED_CLIENTS}; received ${
      typeof client === 'string' ? `a string of length ${client.length}` : describe(client)
    }`,
  )
