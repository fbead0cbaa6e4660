import type { WatchConnection } from './connection.js'
import type { LuaScript } from './lua-script.js'

/**
 * The commands the store sends, whatever the client library or topology. Each client family has
 * one small adapter to this shape; nothing else in the package knows which client it talks to.
 */
export interface SessionClient {
  /** Which client and topology this is, for messages. */
  readonly kind: string
  /** Whether keys of different slots may be on different servers (a cluster): commands on two keys then go unordered. */
  readonly spansNodes: boolean
  get(key: string): Promise<string | null>
  /** SET with EX when ttlSeconds is given, a plain SET otherwise. */
  set(key: string, value: string, ttlSeconds?: number): Promise<unknown>
  expire(key: string, ttlSeconds: number): Promise<unknown>
  del(key: string): Promise<unknown>
  /** Values of one page of keys, in order; never a command that spans two cluster slots. */
  getMany(keys: readonly string[]): Promise<Array<string | null>>
  /** Removes one page of keys; never a command that spans two cluster slots. */
  unlinkMany(keys: readonly string[]): Promise<unknown>
  /** SCAN MATCH over every master, one after another, page by page; a key may appear more than once. */
  scan(match: string, count: number): AsyncIterable<string[]>
  /** SCAN MATCH split by master (one shard for a single server), for walking the masters side by side. */
  scanShards(match: string, count: number): Promise<ScanShard[]>
  /** Whether the client says it can send commands now. */
  isReady(): boolean
  /** A Lua script that touches `key` only, so it runs on the node of that key's slot (EVALSHA, EVAL if uncached). */
  evalOnKey(script: LuaScript, key: string, args: readonly string[]): Promise<unknown>
  /** Emits 'disconnect' and 'connect' on the observer as the client loses and regains its connection. */
  watchConnection: WatchConnection
}

/**
 * One master's part of a SCAN: its pages, and the multi-key commands for keys of those pages, sent to that master
 * without the cluster client's routing (and through it when the master no longer serves a key's slot).
 */
export interface ScanShard {
  pages: AsyncIterable<string[]>
  /** Values of keys of one page, in order; never a command that spans two cluster slots. */
  getMany(keys: readonly string[]): Promise<Array<string | null>>
  /** Removes keys of one page; never a command that spans two cluster slots. */
  unlinkMany(keys: readonly string[]): Promise<unknown>
}
