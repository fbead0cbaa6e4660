import calculateSlot from 'cluster-key-slot'

const itself = (key: string) => key

/**
 * Keys grouped by cluster hash slot, so that each multi-key command stays inside one slot.
 * `slotKey` gives the key as the server sees it (with a client-level prefix, for instance).
 */
export function groupBySlot(keys: readonly string[], slotKey: (key: string) => string = itself): string[][] {
  const groups = new Map<number, string[]>()
  for (const key of keys) {
    const slot = calculateSlot(slotKey(key))
    const group = groups.get(slot)
    if (group) group.push(key)
    else groups.set(slot, [key])
  }
  return [...groups.values()]
}

/** Runs a multi-key read per slot and puts the answers back in the order of `keys`. */
export async function getManyBySlot(
  keys: readonly string[],
  readGroup: (group: string[]) => Promise<Array<string | null>>,
  slotKey: (key: string) => string = itself,
): Promise<Array<string | null>> {
  const groups = groupBySlot(keys, slotKey)
  const replies = await Promise.all(groups.map(readGroup))
  const valueByKey = new Map<string, string | null>()
  for (const [g, group] of groups.entries()) {
    for (const [i, key] of group.entries()) valueByKey.set(key, replies[g]?.[i] ?? null)
  }
  return keys.map((key) => valueByKey.get(key) ?? null)
}
