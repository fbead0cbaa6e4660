import { createClient, createCluster } from 'redis'
import type { Address } from './servers.js'

/** Commands the tests send past the store, beside the Inspector's: to read an index, or expire a key behind its back. */
export interface RawCommands {
  zRange(key: string, start: number, stop: number): Promise<string[]>
  pTTL(key: string): Promise<number>
  pExpire(key: string, milliseconds: number): Promise<unknown>
  del(key: string): Promise<number>
  close(): Promise<void>
}

export async function standaloneRaw({ host, port }: Address): Promise<RawCommands> {
  const client = createClient({ socket: { host, port } })
  client.on('error', () => {})
  await client.connect()
  return withClose(client, () => client.close())
}

/** Routed by slot across the cluster's masters. */
export async function clusterRaw(rootNodes: Address[]): Promise<RawCommands> {
  const cluster = createCluster({ rootNodes: rootNodes.map((socket) => ({ socket })) })
  cluster.on('error', () => {})
  await cluster.connect()
  return withClose(cluster, () => cluster.close())
}

function withClose(commands: Omit<RawCommands, 'close'>, close: () => Promise<unknown>): RawCommands {
  return {
    zRange: (key, start, stop) => commands.zRange(key, start, stop),
    pTTL: (key) => commands.pTTL(key),
    pExpire: (key, milliseconds) => commands.pExpire(key, milliseconds),
    del: (key) => commands.del(key),
    close: async () => void (await close()),
  }
}
