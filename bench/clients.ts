import { RedisStore as ConnectRedisStore } from 'connect-redis'
import type { SessionData, Store } from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, type RedisStoreOptions } from '../src/index.js'

export type NodeRedis = ReturnType<typeof createClient>

export interface Address {
  host: string
  port: number
}

const open: NodeRedis[] = []

export interface ConnectOptions {
  /** Server-assisted client-side caching (RESP3). */
  caching?: boolean
  /**
   * Keep node-redis 6's own 5 s timeout on every command. Off by default in the benchmark: each
   * command's AbortSignal timer then lives 5 s, and collecting them lands on whichever contender runs
   * next, which would make rounds disturb each other. Every contender gets the same client settings.
   */
  commandTimeout?: boolean
}

/** A connected node-redis 6 client. */
export async function connect({ host, port }: Address, options: ConnectOptions = {}): Promise<NodeRedis> {
  const client = createClient({
    socket: { host, port },
    ...(options.caching ? { RESP: 3 as const, clientSideCache: { ttl: 0, maxEntries: 50_000 } } : {}),
    ...(options.commandTimeout ? {} : { commandOptions: { timeout: 0 } }),
  }) as NodeRedis
  client.on('error', (error: Error) => console.error('[bench] redis client:', error.message))
  await client.connect()
  open.push(client)
  return client
}

export async function disconnectAll(): Promise<void> {
  for (const client of open.splice(0)) await client.disconnect().catch(() => {})
}

export const ourStore = (client: NodeRedis, options: Omit<RedisStoreOptions, 'client'>) =>
  createRedisStore({ client, ...options }) as unknown as Store

export const connectRedisStore = (client: NodeRedis, prefix: string) =>
  new ConnectRedisStore({ client, prefix }) as unknown as Store

/** express-session's store contract as promises, called the way express-session calls it: with callbacks. */
export interface SessionCalls {
  get(sid: string): Promise<unknown>
  set(sid: string, session: SessionData): Promise<void>
  touch(sid: string, session: SessionData): Promise<void>
  destroy(sid: string): Promise<void>
}

export function callsOn(store: Store): SessionCalls {
  const settle =
    <T>(resolve: (value: T) => void, reject: (error: unknown) => void) =>
    (error: unknown, value?: T) =>
      error ? reject(error) : resolve(value as T)
  return {
    get: (sid) => new Promise((resolve, reject) => store.get(sid, settle(resolve, reject))),
    set: (sid, session) => new Promise((resolve, reject) => store.set(sid, session, settle(resolve, reject))),
    touch: (sid, session) =>
      new Promise((resolve, reject) =>
        store.touch?.(sid, session, (error?: unknown) => (error ? reject(error) : resolve())),
      ),
    destroy: (sid) => new Promise((resolve, reject) => store.destroy(sid, settle(resolve, reject))),
  }
}

/** The limit: the same commands sent straight through node-redis, with the same JSON work. */
export function rawCalls(
  client: NodeRedis,
  prefix: string,
  ttlSeconds: (session: SessionData) => number,
): SessionCalls {
  return {
    get: async (sid) => {
      const text = await client.get(prefix + sid)
      return text ? JSON.parse(text) : null
    },
    set: async (sid, session) =>
      void (await client.set(prefix + sid, JSON.stringify(session), { EX: ttlSeconds(session) })),
    touch: async (sid, session) => void (await client.expire(prefix + sid, ttlSeconds(session))),
    destroy: async (sid) => void (await client.del(prefix + sid)),
  }
}
