import { createClient } from 'redis'
import type { Address } from './servers.js'

/**
 * Looks at Redis directly, past the store, with node-redis 6. Tests check what the store wrote with
 * it, and plant values the store must cope with.
 */
export interface Inspector {
  ttl(key: string): Promise<number>
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<void>
  exists(key: string): Promise<boolean>
  /** Every key on the server (every master of a cluster), whatever its prefix. */
  keys(): Promise<string[]>
  /** How many times the server(s) have run a command since they started (INFO commandstats). */
  calls(command: string): Promise<number>
  close(): Promise<void>
}

/** The single-key commands an inspector needs: a node-redis 6 client, or a cluster that routes by key. */
export interface KeyCommands {
  ttl(key: string): Promise<number>
  get(key: string): Promise<string | null | unknown>
  set(key: string, value: string): Promise<unknown>
  exists(key: string): Promise<number>
}

export interface NodeCommands {
  keys(pattern: string): Promise<string[]>
  info(section: string): Promise<string>
}

export function inspectorOn(keyClient: KeyCommands, nodes: NodeCommands[], close: () => Promise<void>): Inspector {
  return {
    ttl: (key) => keyClient.ttl(key),
    get: async (key) => (await keyClient.get(key)) as string | null,
    set: async (key, value) => void (await keyClient.set(key, value)),
    exists: async (key) => (await keyClient.exists(key)) === 1,
    keys: async () => (await Promise.all(nodes.map((node) => node.keys('*')))).flat(),
    calls: async (command) => {
      const infos = await Promise.all(nodes.map((node) => node.info('commandstats')))
      const pattern = new RegExp(`cmdstat_${command.toLowerCase()}:calls=(\\d+)`)
      return infos.reduce((total, info) => total + Number(pattern.exec(info)?.[1] ?? 0), 0)
    },
    close,
  }
}

export async function standaloneInspector({ host, port }: Address): Promise<Inspector> {
  const client = createClient({ socket: { host, port } })
  client.on('error', () => {})
  await client.connect()
  return inspectorOn(client, [client], async () => void (await client.disconnect()))
}
