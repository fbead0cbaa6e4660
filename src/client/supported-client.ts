// What a client must look like to be given to the store, told by the members the store recognises it by (see each
// adapter's is... check), never by importing a client library: the public types load without any of them installed.

/** Any function: the store checks a method is there; its signature is the client library's own. */
type Method = (...args: never[]) => unknown

/** node-redis 4, 5 and 6 `createClient()`, also a node-redis 4 client in legacyMode. */
export interface NodeRedisClientShape {
  readonly isOpen: boolean
  sendCommand: Method
  mGet: Method
}

/** node-redis 4, 5 and 6 `createCluster()`. */
export interface NodeRedisClusterShape {
  readonly masters: readonly unknown[]
  nodeClient: Method
}

/** node-redis 5 and 6 `createSentinel()`. */
export interface NodeRedisSentinelShape {
  getMasterNode: Method
  sendCommand: Method
}

/** ioredis 5 and 6 and iovalkey: `new Redis()` (standalone or sentinel-managed) and `new Redis.Cluster()`. */
export interface IORedisShape {
  readonly isCluster: boolean
  readonly status: string
  mget: Method
}

/** Valkey GLIDE 2: `await GlideClient.createClient()` and `await GlideClusterClient.createClient()`. */
export interface GlideShape {
  customCommand: Method
  invokeScript: Method
  mget: Method
}

/** The clients the `client` option accepts; anything else is refused at compile time, and at creation with a TypeError. */
export type SupportedClient =
  | NodeRedisClientShape
  | NodeRedisClusterShape
  | NodeRedisSentinelShape
  | IORedisShape
  | GlideShape
