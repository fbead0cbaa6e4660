import { createClient, createCluster } from 'redis'
import type { Address, RunningCluster } from './servers.js'

/**
 * Looks at Redis directly, past the store, with node-redis 6. Tests check what the store wrote with
 * it, plant values the store must cope with, read an index, or expire a key behind the store's back.
 */
export interface Inspector {
  ttl(key: string): Promise<number>
  pTTL(key: string): Promise<number>
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<void>
  exists(key: string): Promise<boolean>
  del(key: string): Promise<number>
  unlink(key: string): Promise<number>
  pExpire(key: string, milliseconds: number): Promise<unknown>
  zRange(key: string, start: number, stop: number): Promise<string[]>
  /** Adds (or re-scores) one member of a sorted set, as an index entry written by another version would be. */
  zAdd(key: string, member: { score: number; value: string }): Promise<unknown>
  /** A section of INFO, of each master in turn on a cluster. */
  info(section: string): Promise<string>
  /** Every key on the server (every master of a cluster), whatever its prefix. */
  keys(): Promise<string[]>
  /** How many times the server(s) have run a command since they started (INFO commandstats). */
  calls(command: string): Promise<number>
  close(): Promise<void>
}

/** The single-key commands an inspector needs: a node-redis 6 client, or a cluster that routes them by slot. */
interface KeyCommands extends Pick<Inspector, 'ttl' | 'pTTL' | 'del' | 'unlink' | 'pExpire' | 'zRange' | 'zAdd'> {
  get(key: string): Promise<string | null | unknown>
  set(key: string, value: string): Promise<unknown>
  exists(key: string): Promise<number>
}

interface NodeCommands {
  keys(pattern: string): Promise<string[]>
  info(section: string): Promise<string>
}

function inspectorOn(keyClient: KeyCommands, nodes: NodeCommands[], close: () => Promise<void>): Inspector {
  return {
    ttl: (key) => keyClient.ttl(key),
    pTTL: (key) => keyClient.pTTL(key),
    get: async (key) => (await keyClient.get(key)) as string | null,
    set: async (key, value) => void (await keyClient.set(key, value)),
    exists: async (key) => (await keyClient.exists(key)) === 1,
    del: (key) => keyClient.del(key),
    unlink: (key) => keyClient.unlink(key),
    pExpire: (key, milliseconds) => keyClient.pExpire(key, milliseconds),
    zRange: (key, start, stop) => keyClient.zRange(key, start, stop),
    zAdd: (key, member) => keyClient.zAdd(key, member),
    info: async (section) => (await Promise.all(nodes.map((node) => node.info(section)))).join('\n'),
    keys: async () => (await Promise.all(nodes.map((node) => node.keys('*')))).flat(),
    calls: async (command) => {
      const infos = await Promise.all(nodes.map((node) => node.info('commandstats')))
      const pattern = new RegExp(`cmdstat_${command.toLowerCase()}:calls=(\\d+)`)
      return infos.reduce((total, info) => total + Number(pattern.exec(info)?.[1] ?? 0), 0)
    },
    close,
  }
}

async function nodeClient({ host, port }: Address) {
  const client = createClient({ socket: { host, port } })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** An inspector of one server that also sends any command as it is (WAIT, CLUSTER KEYSLOT, ...). */
export interface ServerInspector extends Inspector {
  send(args: string[]): Promise<unknown>
}

/**
 * One server, directly. On a cluster node that is that node alone: a key of another node's slots is a
 * MOVED error, and `readOnly` (READONLY first) lets a replica answer reads from its own copy of its master's keys.
 */
export async function standaloneInspector(address: Address, { readOnly = false } = {}): Promise<ServerInspector> {
  const client = await nodeClient(address)
  if (readOnly) await client.sendCommand(['READONLY'])
  return {
    ...inspectorOn(client, [client], async () => void (await client.disconnect())),
    send: (args) => client.sendCommand(args),
  }
}

/** Single-key commands through a node-redis 6 cluster (routed by slot); KEYS and INFO on each master as the cluster is now. */
export async function clusterInspector(cluster: RunningCluster): Promise<Inspector> {
  const router = createCluster({ rootNodes: cluster.rootNodes.map((socket) => ({ socket })) })
  router.on('error', () => {})
  await router.connect()
  const masters = (await cluster.topology()).filter((node) => node.role === 'master' && !node.failed)
  const nodes = await Promise.all(masters.map(({ port }) => nodeClient({ host: '127.0.0.1', port })))
  return inspectorOn(router, nodes, async () => {
    await Promise.all([router.close(), ...nodes.map((node) => node.close())])
  })
}
