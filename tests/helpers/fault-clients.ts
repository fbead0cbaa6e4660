import { Redis as IORedis6 } from 'ioredis'
import { Redis as IORedis5 } from 'ioredis5'
import { Redis as IOValkey } from 'iovalkey'
import * as nodeRedis6 from 'redis'
import * as nodeRedis4 from 'redis4'
import * as nodeRedis5 from 'redis5'
import type { Address } from './clients.js'

/** A client the test starts connecting without waiting for it: against a server that never answers, it never would. */
export interface UnwaitedClient {
  client: unknown
  /** Resolves when the client is connected (if it ever is). */
  connected: Promise<void>
  close(): Promise<void>
}

export type StartClient = (address: Address, options?: Record<string, unknown>) => UnwaitedClient

interface NodeRedisLibrary {
  createClient(options: Record<string, unknown>): {
    on(event: string, listener: () => void): unknown
    connect(): Promise<unknown>
    destroy?(): void
    disconnect(): Promise<unknown>
  }
}

function nodeRedis(library: NodeRedisLibrary): StartClient {
  return ({ host, port }, options = {}) => {
    const client = library.createClient({ socket: { host, port, ...options } })
    client.on('error', () => {})
    const connected = client.connect().then(() => {})
    connected.catch(() => {})
    return {
      client,
      connected,
      close: async () => {
        // disconnect() waits for the answers a silent server never sends; dropping the socket does not.
        if (client.destroy) client.destroy()
        else await client.disconnect().catch(() => {})
      },
    }
  }
}

type IORedisConstructor = new (
  options: Record<string, unknown>,
) => {
  on(event: string, listener: () => void): unknown
  once(event: string, listener: () => void): unknown
  disconnect(): void
}

function ioredis(Library: IORedisConstructor): StartClient {
  return ({ host, port }, options = {}) => {
    const client = new Library({ host, port, ...options })
    client.on('error', () => {})
    const connected = new Promise<void>((resolve) => client.once('ready', resolve))
    return { client, connected, close: async () => client.disconnect() }
  }
}

export const faultClients: Record<string, StartClient> = {
  'node-redis 6': nodeRedis(nodeRedis6 as unknown as NodeRedisLibrary),
  'node-redis 5': nodeRedis(nodeRedis5 as unknown as NodeRedisLibrary),
  'node-redis 4': nodeRedis(nodeRedis4 as unknown as NodeRedisLibrary),
  'ioredis 6': ioredis(IORedis6 as unknown as IORedisConstructor),
  'ioredis 5': ioredis(IORedis5 as unknown as IORedisConstructor),
  iovalkey: ioredis(IOValkey as unknown as IORedisConstructor),
}
