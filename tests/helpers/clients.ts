import {
  GlideClient,
  type GlideClientConfiguration,
  GlideClusterClient,
  type GlideClusterClientConfiguration,
  Logger,
} from '@valkey/valkey-glide'
import { Redis as IORedis6, Cluster as IORedisCluster6 } from 'ioredis'
import { Redis as IORedis5, Cluster as IORedisCluster5 } from 'ioredis5'
import { Redis as IOValkey, Cluster as IOValkeyCluster } from 'iovalkey'
import * as nodeRedis6 from 'redis'
import * as nodeRedis4 from 'redis4'
import * as nodeRedis5 from 'redis5'
import type { SupportedClient } from '../../src/index.js'
import type { Address } from './servers.js'

/** A client of one library, as a user hands it to the store. */
export interface ClientHandle {
  client: SupportedClient
  /** Resolves once the client is connected; against a server that never answers, it never does. */
  connected: Promise<void>
  close(): Promise<void>
}

/** Every client library the store supports, in the order the suites run them. */
export const CLIENT_LIBRARIES = [
  'node-redis 6',
  'node-redis 5',
  'node-redis 4',
  'ioredis 6',
  'ioredis 5',
  'iovalkey',
] as const
export type ClientLibrary = (typeof CLIENT_LIBRARIES)[number]
/** node-redis 4 has no sentinel client. */
export type SentinelLibrary = Exclude<ClientLibrary, 'node-redis 4'>

/** Options of the library's own (ioredis's keyPrefix, node-redis's RESP), beside the address. */
type LibraryOptions = Record<string, unknown>

/** How a library's cluster and sentinel clients are set up to read from replicas. */
export interface ReplicaReads {
  cluster: LibraryOptions
  sentinel: LibraryOptions
  /** Whether one command can still be sent to the master (node-redis's sendCommand with isReadonly false). */
  masterPerCommand: boolean
}

interface Family {
  standalone(address: Address, options: LibraryOptions): ClientHandle
  /** A client created with lazyConnect and not connected: its first command connects it (ioredis and iovalkey only). */
  lazy?(address: Address): ClientHandle
  cluster(rootNodes: Address[], options: LibraryOptions): ClientHandle
  sentinel(sentinels: Address[], name: string, options: LibraryOptions): ClientHandle
  replicaReads: ReplicaReads
  /** What the library calls its cluster and sentinel clients, for the suites' names. */
  clusterName: string
  sentinelName: string
}

// The libraries' own types differ from version to version; the tests need only what all of them share.
interface Connectable {
  on(event: 'error', listener: () => void): unknown
  connect(): Promise<unknown>
}
type Closing = () => Promise<unknown> | undefined

interface NodeRedisLibrary {
  createClient(options: LibraryOptions): Connectable & { destroy?(): void; disconnect(): Promise<unknown> }
  createCluster(options: LibraryOptions): Connectable & { disconnect(): Promise<unknown> }
  createSentinel?(options: LibraryOptions): Connectable & { close(): Promise<unknown> }
}
type IORedisConstructor = new (
  options: LibraryOptions,
) => Connectable & { disconnect(): void; once(event: 'ready', listener: () => void): unknown }
type IORedisClusterConstructor = new (
  rootNodes: Address[],
  options: LibraryOptions,
) => Connectable & { disconnect(): void }

// Every client stays quiet on 'error' (a test stops or kills a server on purpose); without a listener it would crash the process.
function started(client: Connectable, close: Closing): ClientHandle {
  client.on('error', () => {})
  const connected = client.connect().then(() => {})
  connected.catch(() => {})
  return {
    client: client as unknown as SupportedClient,
    connected,
    close: async () => void (await close()?.catch(() => {})),
  }
}

function nodeRedis(library: NodeRedisLibrary): Family {
  return {
    standalone({ host, port }, options) {
      const client = library.createClient({ socket: { host, port }, ...options })
      // node-redis 5 and 6 drop the socket at once; node-redis 4 has only disconnect(), which does.
      return started(client, () => (client.destroy ? void client.destroy() : client.disconnect()))
    },
    cluster(rootNodes, options) {
      const cluster = library.createCluster({ rootNodes: rootNodes.map((socket) => ({ socket })), ...options })
      return started(cluster, () => cluster.disconnect())
    },
    sentinel(sentinelRootNodes, name, options) {
      if (!library.createSentinel) throw new Error('this node-redis has no sentinel client')
      const sentinel = library.createSentinel({ name, sentinelRootNodes, ...options })
      return started(sentinel, () => sentinel.close())
    },
    replicaReads: { cluster: { useReplicas: true }, sentinel: { replicaPoolSize: 1 }, masterPerCommand: true },
    clusterName: 'createCluster',
    sentinelName: 'createSentinel',
  }
}

// lazyConnect and connect() start the client as the constructor would, and answer when it is ready.
function ioredis(Redis: IORedisConstructor, Cluster: IORedisClusterConstructor): Family {
  return {
    standalone({ host, port }, options) {
      const client = new Redis({ host, port, lazyConnect: true, ...options })
      return started(client, () => void client.disconnect())
    },
    lazy({ host, port }) {
      const client = new Redis({ host, port, lazyConnect: true })
      client.on('error', () => {})
      const connected = new Promise<void>((resolve) => client.once('ready', resolve))
      return { client: client as unknown as SupportedClient, connected, close: async () => void client.disconnect() }
    },
    cluster(rootNodes, options) {
      const cluster = new Cluster(rootNodes, { lazyConnect: true, ...options })
      return started(cluster, () => void cluster.disconnect())
    },
    sentinel(sentinels, name, options) {
      const client = new Redis({ sentinels, name, lazyConnect: true, ...options })
      return started(client, () => void client.disconnect())
    },
    replicaReads: { cluster: { scaleReads: 'slave' }, sentinel: { role: 'slave' }, masterPerCommand: false },
    clusterName: 'Cluster',
    sentinelName: 'sentinel mode',
  }
}

const families: Record<ClientLibrary, Family> = {
  'node-redis 6': nodeRedis(nodeRedis6 as unknown as NodeRedisLibrary),
  'node-redis 5': nodeRedis(nodeRedis5 as unknown as NodeRedisLibrary),
  'node-redis 4': nodeRedis(nodeRedis4 as unknown as NodeRedisLibrary),
  'ioredis 6': ioredis(
    IORedis6 as unknown as IORedisConstructor,
    IORedisCluster6 as unknown as IORedisClusterConstructor,
  ),
  'ioredis 5': ioredis(
    IORedis5 as unknown as IORedisConstructor,
    IORedisCluster5 as unknown as IORedisClusterConstructor,
  ),
  iovalkey: ioredis(IOValkey as unknown as IORedisConstructor, IOValkeyCluster as unknown as IORedisClusterConstructor),
}

async function whenConnected(handle: ClientHandle): Promise<ClientHandle> {
  try {
    await handle.connected
    return handle
  } catch (error) {
    await handle.close()
    throw error
  }
}

/** A client of the library for one server, started without waiting: against a server that never answers, it would wait for ever. */
export const startClient = (library: ClientLibrary, address: Address, options: LibraryOptions = {}): ClientHandle =>
  families[library].standalone(address, options)

/** The ioredis-family libraries, whose clients can be created with lazyConnect. */
export const LAZY_CONNECT_LIBRARIES = ['ioredis 6', 'ioredis 5', 'iovalkey'] as const
export type LazyConnectLibrary = (typeof LAZY_CONNECT_LIBRARIES)[number]

/**
 * A client of the library for one server, created with lazyConnect and never told to connect, as an application
 * that hands it to the store at once makes it: the store's first command connects it. `connected` resolves once it is ready.
 */
export function startLazyClient(library: LazyConnectLibrary, address: Address): ClientHandle {
  const lazy = families[library].lazy
  if (!lazy) throw new Error(`${library} has no lazyConnect`)
  return lazy(address)
}

/** A connected client of the library for one server. */
export const connectClient = (library: ClientLibrary, address: Address, options: LibraryOptions = {}) =>
  whenConnected(startClient(library, address, options))

/** A connected cluster client of the library, given the cluster's root nodes. */
export const connectCluster = (library: ClientLibrary, rootNodes: Address[], options: LibraryOptions = {}) =>
  whenConnected(families[library].cluster(rootNodes, options))

/** A connected sentinel-aware client of the library, for the master the sentinels know by `name`. */
export const connectSentinel = (
  library: SentinelLibrary,
  sentinels: Address[],
  name: string,
  options: LibraryOptions = {},
) => whenConnected(families[library].sentinel(sentinels, name, options))

/** The library's options that make a cluster or sentinel client read from replicas (node-redis useReplicas, ioredis scaleReads). */
export const replicaReadingOptions = (library: ClientLibrary): ReplicaReads => families[library].replicaReads

/** The suites' name for the library's cluster client ('node-redis 6 createCluster', 'ioredis 6 Cluster'). */
export const clusterClientName = (library: ClientLibrary) => `${library} ${families[library].clusterName}`

/** The suites' name for the library's sentinel client ('node-redis 6 createSentinel', 'ioredis 6 sentinel mode'). */
export const sentinelClientName = (library: SentinelLibrary) => `${library} ${families[library].sentinelName}`

export const SENTINEL_LIBRARIES = CLIENT_LIBRARIES.filter(
  (library): library is SentinelLibrary => library !== 'node-redis 4',
)

// What each library sends before it calls itself ready, and the options that send none of it.
const READY_ON_CONNECT: Record<ClientLibrary, LibraryOptions> = {
  // node-redis 6 speaks RESP3 unless told otherwise, and so sends HELLO; node-redis 5 sends HELLO whenever RESP is set.
  'node-redis 6': { disableClientInfo: true, RESP: 2 },
  'node-redis 5': { disableClientInfo: true },
  'node-redis 4': { disableClientInfo: true },
  // ioredis 6 speaks RESP3 (HELLO) by default; ioredis 5 and 6 send CLIENT SETINFO; all of them send INFO first.
  'ioredis 6': { enableReadyCheck: false, disableClientInfo: true, protocol: 2 },
  'ioredis 5': { enableReadyCheck: false, disableClientInfo: true },
  iovalkey: { enableReadyCheck: false },
}

/**
 * Options under which the library's client is ready as soon as its TCP connection is up, sending no handshake
 * (HELLO, CLIENT SETINFO, INFO) first: against a server that never answers, it is ready and its commands wait.
 */
export const readyOnConnect = (library: ClientLibrary): LibraryOptions => READY_ON_CONNECT[library]

/**
 * A connected node-redis 4 client created with `legacyMode: true`, as connect-redis 6's README has every node-redis 4
 * user make it: callback methods on the client, the promise API on its `.v4`.
 */
export function connectLegacyModeClient({ host, port }: Address, options: LibraryOptions = {}) {
  const library = nodeRedis4 as unknown as NodeRedisLibrary
  const client = library.createClient({ socket: { host, port }, legacyMode: true, ...options })
  return whenConnected(started(client, () => client.disconnect()))
}

/** Valkey GLIDE 2, which the suites list beside the other libraries: it has no Sentinel client, nor events to listen to. */
export const GLIDE = 'valkey-glide 2'

// A suite sends 1200 saves at once, past GLIDE's inflightRequestsLimit (1000 by default), which refuses the rest.
const GLIDE_DEFAULTS = { inflightRequestsLimit: 5000 }

let glideQuiet = false
// GLIDE's core logs every failed command (a stopped server, a NOSCRIPT the store answers with EVAL) as a warning.
function quietGlide(): void {
  if (glideQuiet) return
  glideQuiet = true
  Logger.setLoggerConfig('error')
}

function glideHandle(created: Promise<GlideClient | GlideClusterClient>): Promise<ClientHandle> {
  quietGlide()
  return created.then((client) => ({
    client,
    connected: Promise.resolve(),
    // close() rejects what is still pending with a ClosingError, and stops the client's socket from keeping the process alive.
    close: async () => client.close(),
  }))
}

/** A connected GlideClient for one server (createClient resolves once it is connected). */
export const connectGlide = ({ host, port }: Address, options: Partial<GlideClientConfiguration> = {}) =>
  glideHandle(GlideClient.createClient({ addresses: [{ host, port }], ...GLIDE_DEFAULTS, ...options }))

/** A connected GlideClusterClient, given the cluster's root nodes. */
export const connectGlideCluster = (rootNodes: Address[], options: Partial<GlideClusterClientConfiguration> = {}) =>
  glideHandle(
    GlideClusterClient.createClient({
      addresses: rootNodes.map(({ host, port }) => ({ host, port })),
      ...GLIDE_DEFAULTS,
      ...options,
    }),
  )
