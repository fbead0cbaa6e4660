import { type SessionClient, sessionClientFor } from '../client/index.js'
import { optionError } from './errors.js'
import { scanPatternFor } from './keys.js'

export const DEFAULT_SCAN_COUNT = 100

export interface ScanKeysOptions {
  /** Only keys that start with this text, taken literally (glob characters are escaped). */
  prefix: string
  /** COUNT hint for each SCAN call. Default 100. */
  count?: number
}

/**
 * Every key under the prefix, page by page as SCAN returns them, on every master of a cluster.
 * A key is yielded once even when SCAN reports it twice (SCAN may, while Redis rehashes).
 * Accepts any client the store accepts.
 */
export function scanKeys(client: unknown, options: ScanKeysOptions): AsyncIterable<string[]> {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object', options)
  const { prefix, count = DEFAULT_SCAN_COUNT } = options
  if (typeof prefix !== 'string') throw optionError('prefix', 'a string', prefix)
  if (!Number.isSafeInteger(count) || count <= 0) throw optionError('count', 'a positive integer', count)
  return onceEach(scanPages(sessionClientFor(client), prefix, count))
}

/**
 * Every key under the prefix, page by page, every master one after another; a key SCAN reports twice is yielded
 * twice. It keeps nothing but the page, so removing keys with it (clear()) needs the same memory at any size.
 */
export function scanPages(client: SessionClient, prefix: string, count: number): AsyncIterable<string[]> {
  return client.scan(scanPatternFor(prefix), count)
}

// What the application is handed keeps each key once, at the cost of a set of every key it has seen.
async function* onceEach(pages: AsyncIterable<string[]>): AsyncIterable<string[]> {
  const seen = new Set<string>()
  for await (const page of pages) {
    const fresh = page.filter((key) => !seen.has(key) && Boolean(seen.add(key)))
    if (fresh.length > 0) yield fresh
  }
}
