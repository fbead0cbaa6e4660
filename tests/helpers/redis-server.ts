import { RedisMemoryServer } from 'redis-memory-server'
import { redisBinary } from '../../dev/redis-binary.js'

export interface RunningRedis {
  host: string
  port: number
  url: string
  pid: number
  stop(): Promise<void>
}

const running = new Set<number>()

// A failing test must not leave a server behind: whatever is still running when the process ends is killed by PID.
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
})

/** Starts a redis-server of its own on a free loopback port (redis-memory-server, given the system binary). */
export async function startRedis(args: string[] = []): Promise<RunningRedis> {
  const server = await RedisMemoryServer.create({
    instance: { ip: '127.0.0.1', args: ['--save', '', '--appendonly', 'no', ...args] },
    binary: { systemBinary: redisBinary() },
  })
  const host = await server.getHost()
  const port = await server.getPort()
  const info = server.getInstanceInfo()
  const pid = info ? (info.childProcess?.pid ?? 0) : 0
  running.add(pid)
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    pid,
    async stop() {
      await server.stop()
      running.delete(pid)
    },
  }
}
