import calculateSlot from 'cluster-key-slot'
import { asText } from './reply-text.js'

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

/** How a cluster node refuses a key whose slot it does not serve (now): the command must go through the cluster client. */
const isRedirect = (error: unknown): boolean =>
  error instanceof Error && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/.test(error.message)

/** What one node is sent for the keys of a page, one command per slot: the keys as `slotKey` gives them. */
export interface NodeCommands {
  mget(group: string[]): Promise<Array<string | null>>
  unlink(group: string[]): Promise<unknown>
  /**
   * The replies to several commands written at once, where the client makes that cheaper than as many commands
   * (node-redis 6 gives each command a timer of its own, a pipeline none). Any failure: the page is sent again
   * command by command, which tells a moved slot from a real error.
   */
  pipeline?(commands: string[][]): Promise<unknown[]>
}

type Routed = {
  getMany(keys: readonly string[]): Promise<Array<string | null>>
  unlinkMany(keys: readonly string[]): Promise<unknown>
}

/**
 * The multi-key commands for keys one cluster node has just listed, sent straight to that node (no routing by
 * the cluster client, which for node-redis 6 costs more than the command), one per slot; a slot that has moved
 * meanwhile is read or removed through the cluster client instead, as `routed` sends it.
 */
export function onNode(node: NodeCommands, routed: Routed, slotKey: (key: string) => string = itself) {
  const readGroup = (group: string[]) =>
    node.mget(group).catch((error: unknown) => (isRedirect(error) ? routed.getMany(group) : Promise.reject(error)))
  const unlinkGroup = (group: string[]) =>
    node.unlink(group).catch((error: unknown) => (isRedirect(error) ? routed.unlinkMany(group) : Promise.reject(error)))
  const { pipeline } = node

  async function getMany(keys: readonly string[]): Promise<Array<string | null>> {
    if (!pipeline) return getManyBySlot(keys, readGroup, slotKey)
    const groups = groupBySlot(keys, slotKey)
    let replies: unknown[]
    try {
      replies = await pipeline(groups.map((group) => ['MGET', ...group]))
    } catch {
      return getManyBySlot(keys, readGroup, slotKey)
    }
    const valueByKey = new Map<string, string | null>()
    for (const [g, group] of groups.entries()) {
      const values = replies[g] as unknown[] | undefined
      for (const [i, key] of group.entries()) valueByKey.set(key, asText(values?.[i]))
    }
    return keys.map((key) => valueByKey.get(key) ?? null)
  }

  async function unlinkMany(keys: readonly string[]): Promise<unknown> {
    const groups = groupBySlot(keys, slotKey)
    if (pipeline) {
      try {
        return await pipeline(groups.map((group) => ['UNLINK', ...group]))
      } catch {
        // Sent again below, command by command.
      }
    }
    return Promise.all(groups.map(unlinkGroup))
  }

  return { getMany, unlinkMany }
}
