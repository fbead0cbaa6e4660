import { redisBinary } from '../../dev/redis-binary.js'
import type { Address } from './clients.js'
import { waitFor } from './poll.js'
import { infoFields, redisCli } from './redis-cli.js'
import { loopbackServerArgs, type ServerProcess, startServerProcess } from './server-process.js'

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
  const server = redisBinary()
  const sentinelBinary = redisBinary('redis-sentinel')
  const started: ServerProcess[] = []
  const track = (process: ServerProcess) => {
    started.push(process)
    return process
  }
  try {
    const master = track(await startServerProcess({ binary: server, args: loopbackServerArgs }))
    const replica = track(
      await startServerProcess({
        binary: server,
        args: (port, dir) => [...loopbackServerArgs(port, dir), '--replicaof', master.host, String(master.port)],
      }),
    )
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
