import { describe } from '../helpers/errors.js'
import { type DerivedConnection, derivedConnection } from './glide-connection.js'
import { evalByDigest } from './lua-script.js'
import { asText } from './reply-text.js'
import { scanNode } from './scan-node.js'
import { getManyBySlot, groupBySlot } from './slots.js'
import type { SessionClient } from './types.js'

// GLIDE's Decoder.String (a numeric enum): replies as text whatever the client's defaultDecoder. One object for every call.
const AS_TEXT = { decoder: 1 } as const
type AsText = typeof AS_TEXT

/** A route to the primary that serves a key's slot (GLIDE's `{ type: 'primarySlotKey', key }`). */
interface PrimaryOfKey {
  type: 'primarySlotKey'
  key: string
}

/** What the store uses of a Valkey GLIDE 2 client, standalone (GlideClient) or cluster (GlideClusterClient). */
interface GlideCommands {
  /** Private in GLIDE's types, there at run time: the options the client was created with. */
  readonly config?: { readFrom?: unknown }
  get(key: string, options?: AsText): Promise<unknown>
  set(key: string, value: string, options?: { expiry: { type: 'EX'; count: number } }): Promise<unknown>
  expire(key: string, seconds: number): Promise<unknown>
  del(keys: string[]): Promise<unknown>
  unlink(keys: string[]): Promise<unknown>
  mget(keys: string[], options?: AsText): Promise<unknown[]>
  invokeScript(...args: never[]): unknown
}

export interface GlideStandalone extends GlideCommands {
  customCommand(args: string[], options?: AsText): Promise<unknown>
  scan(cursor: string, options: { match: string; count: number } & AsText): Promise<[unknown, unknown[]]>
  ping(): Promise<unknown>
}

/** GLIDE's ClusterScanCursor: its scan() reads only `getCursor()` of the cursor it is given. */
interface ClusterScanCursor {
  getCursor(): string
  isFinished(): boolean
}

export interface GlideCluster extends GlideCommands {
  customCommand(args: string[], options?: { route?: PrimaryOfKey | 'allPrimaries' } & AsText): Promise<unknown>
  scan(
    cursor: ClusterScanCursor,
    options: { match: string; count: number } & AsText,
  ): Promise<[ClusterScanCursor, unknown[]]>
  ping(options: { route: 'allPrimaries' }): Promise<unknown>
  invokeScriptWithRoute(...args: never[]): unknown
}

export const isGlide = (client: object): client is GlideStandalone | GlideCluster =>
  typeof (client as GlideCommands).invokeScript === 'function' &&
  typeof (client as GlideStandalone).customCommand === 'function' &&
  typeof (client as GlideCommands).mget === 'function'

export const isGlideCluster = (client: GlideStandalone | GlideCluster): client is GlideCluster =>
  typeof (client as GlideCluster).invokeScriptWithRoute === 'function'

const keysAsText = (keys: unknown[]): string[] => keys.map((key) => String(key))

const expiry = (count: number) => ({ expiry: { type: 'EX' as const, count } })

function commonCommands(client: GlideCommands, connection: DerivedConnection) {
  const { observe } = connection
  return {
    set: (key: string, value: string, ttlSeconds?: number) =>
      observe(ttlSeconds === undefined ? client.set(key, value) : client.set(key, value, expiry(ttlSeconds))),
    expire: (key: string, ttlSeconds: number) => observe(client.expire(key, ttlSeconds)),
    del: (key: string) => observe(client.del([key])),
    isReady: connection.isReady,
    watchConnection: connection.watchConnection,
  }
}

// A GLIDE client with readFrom sends reads to replicas: a standalone client has no way to send one command to the
// primary, and a cluster client's SCAN goes to replicas too. A replica may not have the store's last write yet.
function refuseReplicaReads(client: GlideStandalone | GlideCluster, kind: string): void {
  const readFrom = client.config?.readFrom ?? 'primary'
  if (readFrom === 'primary') return
  throw new TypeError(
    `redis-session-store: option "client" must read from the master, but is a ${kind} with readFrom ${describe(
      readFrom,
    )}, which reads from replicas: the store could load a session just destroyed, or miss one just created. ` +
      'Give the store a client created with readFrom: "primary" (the default).',
  )
}

export function glideClientAdapter(client: GlideStandalone): SessionClient {
  const kind = 'Valkey GLIDE client'
  refuseReplicaReads(client, kind)
  const connection = derivedConnection(kind, () => client.ping())
  const { observe } = connection
  return asOneShard({
    kind,
    spansNodes: false,
    ...commonCommands(client, connection),
    get: async (key) => asText(await observe(client.get(key, AS_TEXT))),
    getMany: async (keys) => (await observe(client.mget([...keys], AS_TEXT))).map(asText),
    unlinkMany: (keys) => observe(client.unlink([...keys])),
    scan: (match, count) =>
      scanNode(async (cursor) => {
        const [next, keys] = await observe(client.scan(cursor, { match, count, ...AS_TEXT }))
        return [String(next), keysAsText(keys)]
      }),
    evalOnKey: (script, key, args) =>
      evalByDigest(script, (command, scriptOrSha) =>
        observe(client.customCommand([command, scriptOrSha, '1', key, ...args], AS_TEXT)),
      ),
  })
}

// Each read names its primary, should the client's readFrom (private in GLIDE's types) say otherwise than it seems to.
const onPrimaryOf = (key: string) => ({ route: { type: 'primarySlotKey', key } as PrimaryOfKey, ...AS_TEXT })

// GLIDE's first cursor is a ClusterScanCursor with an empty id; every later one is the one the previous page returned.
const FIRST_CURSOR: ClusterScanCursor = { getCursor: () => '', isFinished: () => false }

export function glideClusterAdapter(client: GlideCluster): SessionClient {
  const kind = 'Valkey GLIDE cluster client'
  refuseReplicaReads(client, kind)
  const connection = derivedConnection(kind, () => client.ping({ route: 'allPrimaries' }))
  const { observe } = connection

  // GLIDE walks the cluster slot by slot, primary after primary, and follows slots that move meanwhile.
  async function* scan(match: string, count: number): AsyncIterable<string[]> {
    let cursor = FIRST_CURSOR
    do {
      const [next, keys] = await observe(client.scan(cursor, { match, count, ...AS_TEXT }))
      cursor = next
      if (keys.length > 0) yield keysAsText(keys)
    } while (!cursor.isFinished())
  }

  return asOneShard({
    kind,
    spansNodes: true,
    ...commonCommands(client, connection),
    get: async (key) => asText(await observe(client.customCommand(['GET', key], onPrimaryOf(key)))),
    getMany: (keys) =>
      getManyBySlot(keys, async (group) =>
        ((await observe(client.customCommand(['MGET', ...group], onPrimaryOf(group[0] as string)))) as unknown[]).map(
          asText,
        ),
      ),
    unlinkMany: (keys) => Promise.all(groupBySlot(keys).map((group) => observe(client.unlink(group)))),
    scan,
    evalOnKey: (script, key, args) =>
      evalByDigest(script, (command, scriptOrSha) =>
        observe(client.customCommand([command, scriptOrSha, '1', key, ...args], onPrimaryOf(key))),
      ),
  })
}

/**
 * GLIDE's scans are one walk: a server's, or its cluster scan, which goes primary after primary by itself and
 * follows slots that move. The bulk methods get it as one shard, read and removed through the client's routing.
 */
const asOneShard = (adapter: Omit<SessionClient, 'scanShards'>): SessionClient => ({
  ...adapter,
  scanShards: async (match, count) => [
    { pages: adapter.scan(match, count), getMany: adapter.getMany, unlinkMany: adapter.unlinkMany },
  ],
})
