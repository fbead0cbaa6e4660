import type { ScanShard } from './types.js'

/** One SCAN call on one node: the next cursor and a page of keys (Buffers, from a client that maps replies to them). */
export type ScanStep = (cursor: string) => Promise<[cursor: string, keys: Array<string | Buffer>]>

/** Follows a node's SCAN cursor from 0 back to 0, yielding each non-empty page, its keys as text. */
export async function* scanNode(step: ScanStep): AsyncIterable<string[]> {
  let cursor = '0'
  do {
    const [next, keys] = await step(cursor)
    cursor = String(next)
    // Most clients answer with text: the page is then handed on as it came, not copied (all() walks every page).
    if (keys.length > 0) yield keys.every(isText) ? (keys as string[]) : keys.map(keyText)
  } while (cursor !== '0')
}

const isText = (key: string | Buffer): key is string => typeof key === 'string'

// A key compared, de-duplicated, sliced into a session id and shown to the application must be text, as in every other reply.
const keyText = (key: string | Buffer): string => (typeof key === 'string' ? key : key.toString())

/** Every shard's pages, one shard after another. */
export async function* shardAfterShard(shards: Promise<ScanShard[]>): AsyncIterable<string[]> {
  for (const shard of await shards) yield* shard.pages
}
