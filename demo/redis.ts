import { redisBinary } from '../dev/redis-binary.js'
import { loopbackArgs, startServerProcess } from '../dev/server-process.js'

export interface DemoRedis {
  url: string
  /** Where it came from, for the start-up message. */
  origin: string
  stop(): Promise<void>
}

/**
 * The Redis at $REDIS_URL when set (left running at exit), else a redis-server of the demo's own on a
 * free loopback port, started as the tests start theirs (dev/), and stopped with the demo.
 */
export async function demoRedis(env: NodeJS.ProcessEnv = process.env): Promise<DemoRedis> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, origin: 'REDIS_URL', stop: async () => {} }
  const server = await startServerProcess({ binary: redisBinary(), args: loopbackArgs })
  return { url: server.url, origin: `an embedded redis-server (pid ${server.pid})`, stop: () => server.stop() }
}
