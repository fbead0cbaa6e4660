import { createClient } from 'redis'
import type { Address } from './servers.js'

/** Every command the server ran while the watch was on, as sent by its clients (a script's inner commands excluded). */
export interface CommandWatch {
  /** Each command's name (lower case) and arguments, in the order the server ran them. */
  readonly commands: string[][]
  /** Waits until the server has reported every command sent before the call, then ends the watch. */
  stop(): Promise<string[][]>
}

// MONITOR writes each argument as a quoted C string: `1700000000.1 [0 127.0.0.1:5000] "get" "key"`.
const QUOTED = /"((?:[^"\\]|\\.)*)"/g

function argumentsOf(line: string): string[] {
  return [...line.matchAll(QUOTED)].map(([, text]) => (text ?? '').replace(/\\(.)/g, '$1'))
}

/**
 * Watches a redis-server with MONITOR. Lines marked `lua` (the commands a script ran inside Redis)
 * are left out: they are not round trips. `stop()` sends a marker through a client of its own and
 * waits for it, so no command sent before it is missed, with no sleep.
 */
export async function watchCommands(server: Address): Promise<CommandWatch> {
  const socket = { host: server.host, port: server.port }
  const monitor = createClient({ socket })
  const marker = createClient({ socket })
  for (const client of [monitor, marker]) client.on('error', () => {})
  await Promise.all([monitor.connect(), marker.connect()])
  const commands: string[][] = []
  const end = `watch-end-${process.pid}-${Math.random()}`
  let reachedEnd: () => void = () => {}
  const endSeen = new Promise<void>((resolve) => {
    reachedEnd = resolve
  })
  await monitor.monitor((line: string) => {
    if (line.includes(' lua]')) return
    const [name = '', ...args] = argumentsOf(line)
    if (name.toLowerCase() === 'echo' && args[0] === end) return reachedEnd()
    commands.push([name.toLowerCase(), ...args])
  })
  return {
    commands,
    async stop() {
      await marker.echo(end)
      await endSeen
      await Promise.all([monitor.disconnect(), marker.disconnect()])
      return commands
    },
  }
}
