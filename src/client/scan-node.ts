/** One SCAN call on one node: the next cursor and a page of keys. */
export type ScanStep = (cursor: string) => Promise<[cursor: string, keys: string[]]>

/** Follows a node's SCAN cursor from 0 back to 0, yielding each non-empty page. */
export async function* scanNode(step: ScanStep): AsyncIterable<string[]> {
  let cursor = '0'
  do {
    const [next, keys] = await step(cursor)
    cursor = String(next)
    if (keys.length > 0) yield keys
  } while (cursor !== '0')
}
