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
  return scanPages(sessionClientFor(client), prefix, count)
}

export async function* scanPages(client: SessionClient, prefix: string, count: number): AsyncIterable<string[]> {
  const seen = new Set<string>()
  for await (const page of client.scan(scanPatternFor(prefix), count)) {
    const fresh = page.filter((key) => !seen.has(key) && Boolean(seen.add(key)))
    if (fresh.length > 0) yield fresh
  }
}
