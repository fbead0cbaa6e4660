import type { NodeRedisClient } from './node-redis.js'

/**
 * A node-redis 4 client created with `legacyMode: true` (what connect-redis 6's README told every node-redis 4 user
 * to do): its own methods take callbacks, its `.v4` holds the promise API, and its events and readiness stay on the
 * client itself.
 */
export interface NodeRedisLegacyModeClient extends Omit<NodeRedisClient, 'sendCommand'> {
  readonly options?: { legacyMode?: boolean }
  readonly v4: NodeRedisClient
}

// Read `options` first: on a client that is not in legacy mode, reading `.v4` throws.
export const isNodeRedisLegacyMode = (client: object): client is NodeRedisLegacyModeClient =>
  (client as NodeRedisLegacyModeClient).options?.legacyMode === true &&
  typeof (client as NodeRedisLegacyModeClient).isOpen === 'boolean' &&
  typeof (client as NodeRedisLegacyModeClient).v4?.sendCommand === 'function'

/** The client as the promise API of its `.v4` (whose methods are bound to it), with the client's events and state. */
export function promiseViewOf(client: NodeRedisLegacyModeClient): NodeRedisClient {
  const v4 = client.v4
  return {
    get: v4.get,
    set: v4.set,
    expire: v4.expire,
    del: v4.del,
    unlink: v4.unlink,
    mGet: v4.mGet,
    sendCommand: v4.sendCommand,
    get isReady() {
      return client.isReady ?? false
    },
    get isOpen() {
      return client.isOpen ?? false
    },
    on: (event, listener) => client.on(event, listener),
    listenerCount: (event) => client.listenerCount(event),
  }
}

/**
 * A legacyMode client's `.v4` passed alone: the promise API with neither events nor readiness, so the store could
 * neither fail fast nor say 'disconnect'. Recognised to say what to pass instead.
 */
export const isNodeRedisV4View = (client: object): boolean =>
  typeof (client as Partial<NodeRedisClient>).sendCommand === 'function' &&
  typeof (client as Partial<NodeRedisClient>).mGet === 'function' &&
  typeof (client as Partial<NodeRedisClient>).isOpen !== 'boolean' &&
  typeof (client as Partial<NodeRedisClient>).on !== 'function'
