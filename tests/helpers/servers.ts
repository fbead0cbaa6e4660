import { connect, createServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import calculateSlot from 'cluster-key-slot'
import { createClient } from 'redis'
import { redisBinary, valkeyBinary } from '../../dev/redis-binary.js'
import { loopbackArgs, type ServerProcess, startServerProcess } from '../../dev/server-process.js'
import { waitFor } from './poll.js'
import { type ClusterNode, clusterNodes, infoFields, redisCli } from './redis-cli.js'

export type { ServerProcess } from '../../dev/server-process.js'

/** Where a client connects to one server. */
export interface Address {
  host: string
  port: number
}

// Interrupted (Ctrl-C, a timeout's SIGTERM), the test process exits normally, so that its servers are killed by PID.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143))

export interface RedisOptions {
  /** Arguments after the loopback ones (a later one wins over an earlier one). */
  args?: string[]
  /** Every write fsynced to the append-only file before Redis acknowledges it, so that a kill loses nothing acknowledged. */
  durable?: boolean
}

/** A redis-server of the test's own on a free loopback port; the test stops it (and the process's exit kills it). */
export const startRedis = (options: RedisOptions = {}): Promise<ServerProcess> =>
  startStandalone(redisBinary(), options)

export const valkeyIsInstalled = (): boolean => valkeyBinary() !== undefined

/** A valkey-server like startRedis's redis-server. */
export const startValkey = async (options: RedisOptions = {}): Promise<ServerProcess> => {
  const binary = valkeyBinary()
  if (!binary) throw new Error('valkey-server is not installed (nor VALKEY_SERVER_BINARY set)')
  return startStandalone(binary, options)
}

const startStandalone = (binary: string, { args = [], durable = false }: RedisOptions) =>
  startServerProcess({
    binary,
    args: (port, dir) => [
      ...loopbackArgs(port, dir),
      ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : []),
      ...args,
    ],
  })

/**
 * A server several suites of one file share: started when the first of them asks for it (in its
 * `before` hook), stopped by `stop()` (the last suite's `after` hook).
 */
export function sharedServer<T extends { stop(): Promise<void> }>(start: () => Promise<T>) {
  let started: Promise<T> | undefined
  const server = () => {
    started ??= start()
    return started
  }
  server.stop = async () => {
    const running = await started?.catch(() => undefined)
    started = undefined
    await running?.stop()
  }
  return server
}

export const SENTINEL_MASTER_NAME = 'mymaster'

export interface RunningSentinel {
  master: ServerProcess
  replica: ServerProcess
  sentinel: ServerProcess
  /** Where a sentinel-aware client asks for the master. */
  sentinels: Address[]
  name: string
  stop(): Promise<void>
}

/**
 * Starts a master, a replica of it and a redis-sentinel that monitors them (each on a free loopback
 * port, in a directory of its own), and resolves once the replica is in sync and the sentinel knows both.
 */
export async function startSentinel(): Promise<RunningSentinel> {
  const sentinelBinary = redisBinary('redis-sentinel')
  const started: ServerProcess[] = []
  const track = (process: ServerProcess) => {
    started.push(process)
    return process
  }
  try {
    const master = track(await startRedis())
    const replica = track(await startRedis({ args: ['--replicaof', master.host, String(master.port)] }))
    await waitFor('the replica to sync with its master', async () => {
      const info = infoFields(await redisCli(replica.port, 'INFO', 'replication'))
      return info.get('master_link_status') === 'up'
    })
    const sentinel = track(
      await startServerProcess({
        binary: sentinelBinary,
        readyText: '+monitor master',
        config: (port, dir) =>
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${SENTINEL_MASTER_NAME} ${master.host} ${master.port} 1`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 5000`,
            '',
          ].join('\n'),
        args: () => [],
      }),
    )
    await waitFor('the sentinel to discover the replica', async () => {
      const replicas = await redisCli(sentinel.port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)
      return replicas.includes(String(replica.port))
    })
    return {
      master,
      replica,
      sentinel,
      sentinels: [{ host: sentinel.host, port: sentinel.port }],
      name: SENTINEL_MASTER_NAME,
      stop: async () => void (await Promise.all(started.map((process) => process.stop()))),
    }
  } catch (error) {
    await Promise.all(started.map((process) => process.stop()))
    throw error
  }
}

export const CLUSTER_SLOTS = 16_384

export interface RunningCluster {
  /** Every node process, masters and replicas, in start order. */
  processes: ServerProcess[]
  /** Where a cluster client starts its discovery. */
  rootNodes: Address[]
  /** The cluster as the surviving nodes see it now. */
  topology(): Promise<ClusterNode[]>
  /** The process of the node that serves a key's slot now. */
  masterOf(key: string): Promise<ServerProcess>
  /**
   * Kills a master by PID and resolves once one of its replicas serves its slots and the cluster is ok,
   * with the moment (performance.now()) the master had exited.
   */
  failOver(master: ServerProcess): Promise<{ killedAt: number }>
  stop(): Promise<void>
}

/**
 * Short enough that a failover takes a few seconds, long enough that a loaded CI machine does not start one by itself.
 * No replica can take over a killed master's slots sooner: it must first miss the master's answers for this long.
 */
export const CLUSTER_NODE_TIMEOUT_MS = 3000

/**
 * Starts six redis-server processes with cluster mode on (each on free ports, each in a directory of
 * its own), creates a cluster of 3 masters with one replica each with redis-cli, and resolves once
 * every node sees all slots served and all six nodes, and lists every replica in CLUSTER SLOTS (so that a
 * client set up to read from replicas finds them).
 */
export async function startCluster(): Promise<RunningCluster> {
  const binary = redisBinary()
  const processes: ServerProcess[] = []
  const connections = nodeConnections()
  try {
    for (let i = 0; i < 6; i++) processes.push(await startClusterNode(binary))
    await redisCli(
      processes[0]?.port ?? 0,
      '--cluster',
      'create',
      ...processes.map(({ host, port }) => `${host}:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    )
    await waitFor('every node to see a healthy cluster of 3 masters and 3 replicas', () =>
      everyNode(connections, processes, healthy(3, 3)),
    )
    await waitFor('every replica to be in sync with its master', () => replicasInSync(connections, processes))
    await waitFor('every node to list every replica in CLUSTER SLOTS', () => slotsListReplicas(connections, processes))
  } catch (error) {
    connections.close()
    await Promise.all(processes.map((node) => node.stop()))
    throw error
  }
  return clusterOf(processes, connections)
}

/** What the cluster helper asks one node, by port: the reply of one command, as text. */
interface NodeConnections {
  command(port: number, ...args: string[]): Promise<string>
  /** Drops the connection to one node (it has been killed), or to all of them. */
  close(port?: number): void
}

/**
 * One connection kept open to each node for the helper's own polling. redis-cli would spawn a process
 * per poll, and spawn() holds up the event loop while it forks (tens of ms, hundreds on a loaded
 * machine): no store call of the test could settle meanwhile, and the failover test times them.
 */
function nodeConnections(): NodeConnections {
  const open = new Map<number, Promise<CommandClient>>()
  const connect = async (port: number): Promise<CommandClient> => {
    const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } })
    client.on('error', () => {})
    await client.connect()
    return client as unknown as CommandClient
  }
  const drop = (port: number) => {
    void open.get(port)?.then(
      (client) => client.destroy(),
      () => {},
    )
    open.delete(port)
  }
  return {
    async command(port, ...args) {
      let client = open.get(port)
      if (!client) {
        client = connect(port)
        open.set(port, client)
      }
      try {
        return String(await (await client).sendCommand(args))
      } catch (error) {
        // A connection that failed is opened again on the next poll.
        drop(port)
        throw error
      }
    },
    close(port) {
      for (const each of port === undefined ? [...open.keys()] : [port]) drop(each)
    },
  }
}

/** What the helper needs of a node-redis 6 client. */
interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>
  destroy(): void
}

const startClusterNode = (binary: string) =>
  startServerProcess({
    binary,
    busPort: true,
    args: (port, dir) => [
      ...loopbackArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(CLUSTER_NODE_TIMEOUT_MS),
      // A replica takes over however long it has been cut off from its master.
      '--cluster-replica-validity-factor',
      '0',
      // Replicas sync at once instead of after the default 5 s batching delay.
      '--repl-diskless-sync-delay',
      '0',
      // A master's PING moves its replicas' offset past 0 within a second, not ten (see slotsListReplicas).
      '--repl-ping-replica-period',
      '1',
    ],
  })

function clusterOf(processes: ServerProcess[], connections: NodeConnections): RunningCluster {
  const alive = new Set(processes)
  const processOn = (port: number) => {
    const found = processes.find((node) => node.port === port)
    if (!found) throw new Error(`no cluster node on port ${port}`)
    return found
  }
  const topology = async () => {
    const [any] = alive
    if (!any) throw new Error('every cluster node is stopped')
    return clusterNodes(await connections.command(any.port, 'CLUSTER', 'NODES'))
  }
  const masterOf = async (key: string) => {
    const slot = calculateSlot(key)
    const owner = (await topology()).find(
      (node) => node.role === 'master' && !node.failed && node.slots.some(([a, b]) => a <= slot && slot <= b),
    )
    if (!owner) throw new Error(`no master serves slot ${slot}`)
    return processOn(owner.port)
  }

  return {
    processes,
    rootNodes: processes.map(({ host, port }) => ({ host, port })),
    topology,
    masterOf,
    async failOver(master) {
      const before = (await topology()).find((node) => node.port === master.port)
      if (before?.role !== 'master') throw new Error(`node ${master.port} is not a master`)
      await master.kill()
      const killedAt = performance.now()
      alive.delete(master)
      connections.close(master.port)
      await waitFor(
        `a replica of ${master.port} to take over its slots`,
        () =>
          everyNode(
            connections,
            [...alive],
            (nodes, info) => info.get('cluster_state') === 'ok' && servesSlotsOf(before, nodes),
          ),
        { timeoutMs: 60_000 },
      )
      return { killedAt }
    },
    async stop() {
      connections.close()
      await Promise.all(processes.map((node) => node.stop()))
    },
  }
}

async function everyNode(
  connections: NodeConnections,
  processes: ServerProcess[],
  check: (nodes: ClusterNode[], info: Map<string, string>) => boolean,
): Promise<boolean> {
  for (const { port } of processes) {
    const [nodes, info] = await Promise.all([
      connections.command(port, 'CLUSTER', 'NODES'),
      connections.command(port, 'CLUSTER', 'INFO'),
    ])
    if (!check(clusterNodes(nodes), infoFields(info))) return false
  }
  return true
}

async function replicasInSync(connections: NodeConnections, processes: ServerProcess[]): Promise<boolean> {
  const infos = await Promise.all(processes.map(({ port }) => connections.command(port, 'INFO', 'replication')))
  const roles = infos.map(infoFields)
  return roles.every((info) => info.get('role') === 'master' || info.get('master_link_status') === 'up')
}

// CLUSTER SLOTS, where clients read their map of the cluster, leaves a replica out until the offset it has
// replicated, gossiped over the cluster bus, is above 0: a client set up to read from replicas would know none.
async function slotsListReplicas(connections: NodeConnections, processes: ServerProcess[]): Promise<boolean> {
  const [first] = processes
  const nodes = clusterNodes(await connections.command(first?.port ?? 0, 'CLUSTER', 'NODES'))
  const replicaIds = nodes.filter((node) => node.role === 'replica').map((node) => node.id)
  // The reply's nested arrays, as text: each listed node's id appears in it.
  const slots = await Promise.all(processes.map(({ port }) => connections.command(port, 'CLUSTER', 'SLOTS')))
  return slots.every((reply) => replicaIds.every((id) => reply.includes(id)))
}

const healthy = (masters: number, replicas: number) => (nodes: ClusterNode[], info: Map<string, string>) =>
  info.get('cluster_state') === 'ok' &&
  info.get('cluster_slots_ok') === String(CLUSTER_SLOTS) &&
  nodes.filter((node) => node.role === 'master' && !node.failed).length === masters &&
  nodes.filter((node) => node.role === 'replica' && !node.failed).length === replicas

// The failed master's slots are served by another node that is a master and alive.
const servesSlotsOf = (failed: ClusterNode, nodes: ClusterNode[]) =>
  failed.slots.every(([first]) =>
    nodes.some(
      (node) =>
        node.port !== failed.port &&
        node.role === 'master' &&
        !node.failed &&
        node.slots.some(([a, b]) => a <= first && first <= b),
    ),
  )

export interface SilentServer {
  host: string
  port: number
  /** How many connections it has accepted. */
  readonly accepted: number
  close(): Promise<void>
}

/**
 * A TCP server on loopback that accepts connections, reads whatever is sent, and never answers: on a free port,
 * or on `port` (one a killed server left), where a client reconnects to it and waits for ever for its handshake.
 */
export async function startSilentServer(port = 0): Promise<SilentServer> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the silent server has no address')
  return {
    host: '127.0.0.1',
    port: address.port,
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface BlackHole {
  host: string
  port: number
  close(): Promise<void>
}

// Listens with the smallest backlog Node.js passes on, says so, then blocks its event loop for good: it never
// accepts a connection. fs.writeSync, because a write to a pipe could otherwise wait for the loop that never turns.
const NEVER_ACCEPTS = `
const server = require('node:net').createServer()
server.listen({ port: Number(process.argv[1]), host: '127.0.0.1', backlog: 1 }, () => {
  require('node:fs').writeSync(1, 'listening\\n')
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
})
`
// The accept queue of a backlog of 1 holds two connections; the few more allowed for cover other kernels' rounding.
const MOST_FILLERS = 8
const FILLER_CONNECT_MS = 200
const PROOF_MS = 1000

/**
 * An address on loopback where the TCP handshake is never answered, as with a host that is down or a firewall
 * that drops packets: a process listens there and never accepts, and connections of the helper's own fill its
 * accept queue, so that the kernel drops every further SYN and a connect waits in SYN_SENT. It resolves only
 * once a plain net.connect has failed to connect there within 1 s; close() stops the process by PID.
 */
export async function startBlackHole(): Promise<BlackHole> {
  const listener = await startServerProcess({
    binary: process.execPath,
    args: (port) => ['-e', NEVER_ACCEPTS, String(port)],
    readyText: 'listening',
  })
  const fillers: Socket[] = []
  const close = async () => {
    for (const socket of fillers) socket.destroy()
    await listener.stop()
  }
  try {
    while (fillers.length < MOST_FILLERS && (await connectsWithin(listener, FILLER_CONNECT_MS, fillers))) {}
    if (await connectsWithin(listener, PROOF_MS, fillers))
      throw new Error(`port ${listener.port} still completes TCP handshakes after ${fillers.length} connections`)
  } catch (error) {
    await close()
    throw error
  }
  return { host: listener.host, port: listener.port, close }
}

/** Whether a TCP connection to the address is established within `ms`; one that is, is kept open in `kept`. */
function connectsWithin({ host, port }: Address, ms: number, kept: Socket[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, ms)
    socket.once('connect', () => {
      clearTimeout(timer)
      kept.push(socket)
      resolve(true)
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}
