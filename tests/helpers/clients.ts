import { Redis as IORedis6 } from 'ioredis'
import { Redis as IORedis5 } from 'ioredis5'
import { Redis as IOValkey } from 'iovalkey'
import * as nodeRedis6 from 'redis'
import * as nodeRedis4 from 'redis4'
import * as nodeRedis5 from 'redis5'

export interface ClientHandle {
  /** The client, as a user hands it to the store. */
  client: unknown
  close(): Promise<void>
}

export interface Address {
  host: string
  port: number
}

export type ConnectClient = (address: Address) => Promise<ClientHandle>

// Every client stays quiet on 'error' (a test may stop its server on purpose); without a listener it would crash the process.
const quiet = (client: { on(event: 'error', listener: () => void): unknown }) => client.on('error', () => {})

// The libraries' own types differ from version to version; the tests need only what all of them share.
interface NodeRedisLibrary {
  createClient(options: { socket: Address }): {
    on(event: 'error', listener: () => void): unknown
    connect(): Promise<unknown>
    disconnect(): Promise<unknown>
  }
}

function nodeRedis(library: NodeRedisLibrary): ConnectClient {
  return async ({ host, port }) => {
    const client = library.createClient({ socket: { host, port } })
    quiet(client)
    await client.connect()
    return { client, close: async () => void (await client.disconnect().catch(() => {})) }
  }
}

type IORedisConstructor = new (
  options: Record<string, unknown>,
) => { on(event: 'error', listener: () => void): unknown; connect(): Promise<unknown>; disconnect(): void }

function ioredis(Library: IORedisConstructor, extra: Record<string, unknown> = {}): ConnectClient {
  return async ({ host, port }) => {
    const client = new Library({ host, port, lazyConnect: true, ...extra })
    quiet(client)
    await client.connect()
    return { client, close: async () => client.disconnect() }
  }
}

/** A connected client of every supported library, for a standalone (or sentinel-managed) server. */
export const standaloneClients = {
  'node-redis 6': nodeRedis(nodeRedis6 as NodeRedisLibrary),
  'node-redis 5': nodeRedis(nodeRedis5 as NodeRedisLibrary),
  'node-redis 4': nodeRedis(nodeRedis4 as NodeRedisLibrary),
  'ioredis 6': ioredis(IORedis6 as IORedisConstructor),
  'ioredis 5': ioredis(IORedis5 as IORedisConstructor),
  iovalkey: ioredis(IOValkey as IORedisConstructor),
} satisfies Record<string, ConnectClient>

export const connectIORedisWithKeyPrefix = (keyPrefix: string) => ioredis(IORedis6 as IORedisConstructor, { keyPrefix })
