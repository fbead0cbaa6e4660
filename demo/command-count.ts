import { AsyncLocalStorage } from 'node:async_hooks'

/** How many of each Redis command one request cost, by command name (GET, SET, EVALSHA, ...). */
export type CommandCounts = Map<string, number>

// The client methods the store's node-redis adapter calls, by the command each sends; sendCommand names its own.
const METHOD_COMMANDS: Record<string, string> = {
  get: 'GET',
  set: 'SET',
  expire: 'EXPIRE',
  del: 'DEL',
  mGet: 'MGET',
  unlink: 'UNLINK',
}
const READS = new Set(['GET', 'MGET', 'SCAN', 'TTL', 'PTTL', 'EXISTS', 'ZRANGE', 'ZCARD'])

/**
 * Counts the commands each request sends through the store, by wrapping the client the store is given. The count
 * lives in the request's async context (AsyncLocalStorage), so requests that overlap each count only their own
 * commands; a command sent outside any request (none in the demo) is not counted. Chosen over INFO commandstats or
 * MONITOR, which see the whole server: under concurrent requests their deltas would mix requests together.
 */
export class CommandCounter {
  readonly #current = new AsyncLocalStorage<CommandCounts>()

  /** Runs `next` (the rest of the request) with a fresh count, returned so the caller can read it when it ends. */
  track(next: () => void): CommandCounts {
    const counts: CommandCounts = new Map()
    this.#current.run(counts, next)
    return counts
  }

  /** `client` with every command the store sends through it counted into the current request's count. */
  wrap<Client extends object>(client: Client): Client {
    const note = (command: string) => {
      const counts = this.#current.getStore()
      if (counts) counts.set(command, (counts.get(command) ?? 0) + 1)
    }
    return new Proxy(client, {
      get(target, property) {
        // The target as receiver: node-redis's getters read private fields, which a proxy does not have.
        const value: unknown = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        const bound = (value as (...args: unknown[]) => unknown).bind(target)
        if (property === 'sendCommand') {
          return (...args: unknown[]) => {
            const command = args.find(Array.isArray)?.[0]
            if (typeof command === 'string') note(command.toUpperCase())
            return bound(...args)
          }
        }
        const command = typeof property === 'string' ? METHOD_COMMANDS[property] : undefined
        if (!command) return bound
        return (...args: unknown[]) => {
          note(command)
          return bound(...args)
        }
      },
    })
  }
}

/** "1 GET, 1 EVALSHA — 1 read, 1 write", or "no Redis commands". */
export function describeCounts(counts: CommandCounts): string {
  if (counts.size === 0) return 'no Redis commands'
  const names = [...counts].map(([command, count]) => `${count} ${command}`).join(', ')
  let reads = 0
  let writes = 0
  for (const [command, count] of counts) {
    if (READS.has(command)) reads += count
    else writes += count
  }
  return `${names}: ${reads} ${reads === 1 ? 'read' : 'reads'}, ${writes} ${writes === 1 ? 'write' : 'writes'}`
}
