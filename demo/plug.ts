import type { ServerProcess } from '../dev/server-process.js'

/** Where the demo's own Redis is in a pulled plug's life: running, stopped for a while, or starting again. */
export type PlugState = 'up' | 'down' | 'starting' | 'failed'

export interface PlugStatus {
  state: PlugState
  /** When the plug was last pulled, and when Redis is due back (epoch ms); undefined before the first pull. */
  pulledAt: number | undefined
  backAt: number | undefined
}

/** A switch on the demo's own redis-server: stops it, then starts it again in the same directory. */
export interface Plug {
  /** Stops Redis now and starts it again after `outageMs`; false, doing nothing, while an outage is under way. */
  pull(outageMs: number): boolean
  status(): PlugStatus
}

/**
 * The plug of a redis-server started with `appendonly yes`: pulling it kills the process (as a crash would),
 * and it comes back on the same port and directory, where it replays its append-only file. Redis writes that
 * file before it answers a write, so every session the store was told is saved is there again.
 */
export function plugOf(server: ServerProcess, log: (line: string) => void = console.log): Plug {
  let state: PlugState = 'up'
  let pulledAt: number | undefined
  let backAt: number | undefined

  async function outage(outageMs: number): Promise<void> {
    await server.kill()
    log(`demo: pulled the plug: redis-server is stopped for ${outageMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, outageMs))
    state = 'starting'
    await server.restart()
    state = 'up'
    log(`demo: redis-server is back (pid ${server.pid}), with the sessions in its append-only file`)
  }

  return {
    pull(outageMs) {
      if (state !== 'up') return false
      state = 'down'
      pulledAt = Date.now()
      backAt = pulledAt + outageMs
      outage(outageMs).catch((error: unknown) => {
        state = 'failed'
        log(`demo: redis-server did not come back: ${error instanceof Error ? error.message : String(error)}`)
      })
      return true
    },
    status: () => ({ state, pulledAt, backAt }),
  }
}
