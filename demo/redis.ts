import { redisBinary } from '../dev/redis-binary.js'
import { loopbackArgs, startServerProcess } from '../dev/server-process.js'
import { type Plug, plugOf } from './plug.js'

export interface DemoRedis {
  url: string
  /** Where it came from, for the start-up message. */
  origin: string
  /** Stops and restarts the demo's own Redis; undefined for a Redis at $REDIS_URL, which is not the demo's to stop. */
  plug: Plug | undefined
  stop(): Promise<void>
}

// Later arguments win: the demo's own Redis keeps an append-only file, so that its sessions outlive a pulled plug.
const persistentArgs = (port: number, dir: string): string[] => [
  ...loopbackArgs(port, dir),
  ...['--appendonly', 'yes', '--appendfsync', 'everysec'],
]

/**
 * The Redis at $REDIS_URL when set (left running at exit), else a redis-server of the demo's own on a
 * free loopback port, started as the tests start theirs (dev/), and stopped with the demo.
 */
export async function demoRedis(env: NodeJS.ProcessEnv = process.env): Promise<DemoRedis> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, origin: 'REDIS_URL', plug: undefined, stop: async () => {} }
  const server = await startServerProcess({ binary: redisBinary(), args: persistentArgs })
  return {
    url: server.url,
    origin: `an embedded redis-server (pid ${server.pid})`,
    plug: plugOf(server),
    stop: () => server.stop(),
  }
}
