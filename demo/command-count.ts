import { AsyncLocalStorage } from 'node:async_hooks'
import type { LuaScript } from '../src/client/lua-script.js'
import { COMPARE_AND_SET, WRITE_IF_PRESENT } from '../src/features/concurrent-saves/compare-and-set.js'
import { REWRITE_KEEPING_TTL } from '../src/features/concurrent-saves/rewrite-outdated.js'
import {
  DELETE_RETURNING,
  FORGET_SESSION,
  FORGET_UNCHANGED,
  LIST_PAGE,
  RECORD_SESSION,
} from '../src/features/user-sessions/user-index-scripts.js'

/** One command a request sent: its name (a script is named by what it runs), and whether it can change data. */
interface Counted {
  count: number
  writes: boolean
}

/** How many of each Redis command one request cost, by label (GET, SET, EVALSHA RECORD_SESSION, ...). */
export type CommandCounts = Map<string, Counted>

// The client methods the store's node-redis adapter calls, by the command each sends; sendCommand names its own.
const METHOD_COMMANDS: Record<string, string> = {
  get: 'GET',
  set: 'SET',
  expire: 'EXPIRE',
  del: 'DEL',
  mGet: 'MGET',
  unlink: 'UNLINK',
}
const READS = new Set(['GET', 'MGET', 'SCAN', 'EXISTS', 'TTL', 'PTTL', 'ZRANGE', 'ZSCORE', 'ZCARD', 'ZSCAN', 'TIME'])

// The scripts the demo's store runs, by digest, so that an EVALSHA says which one it was.
const SCRIPTS: Record<string, LuaScript> = {
  COMPARE_AND_SET,
  WRITE_IF_PRESENT,
  REWRITE_KEEPING_TTL,
  RECORD_SESSION,
  LIST_PAGE,
  FORGET_UNCHANGED,
  DELETE_RETURNING,
  FORGET_SESSION,
}
const SCRIPT_NAMES = new Map<string, string>()
for (const [name, script] of Object.entries(SCRIPTS)) {
  SCRIPT_NAMES.set(script.sha1, name)
  SCRIPT_NAMES.set(script.source, name)
}

/** Whether a script calls any command that is not a read: a script that can write is counted as a write. */
const scriptCanWrite = (source: string) =>
  [...source.matchAll(/redis\.call\('(\w+)'/g)].some(([, command]) => !READS.has(String(command).toUpperCase()))

function counted(args: readonly unknown[]): { label: string; writes: boolean } | undefined {
  const [name, scriptOrSha] = args
  if (typeof name !== 'string') return undefined
  const command = name.toUpperCase()
  if (command !== 'EVALSHA' && command !== 'EVAL') return { label: command, writes: !READS.has(command) }
  const script = SCRIPT_NAMES.get(String(scriptOrSha))
  if (script === undefined) return { label: `${command} (a script)`, writes: true }
  return { label: `${command} ${script}`, writes: scriptCanWrite(SCRIPTS[script]?.source ?? '') }
}

/**
 * Counts the commands each request sends through the store, by wrapping the client the store is given. The count
 * lives in the request's async context (AsyncLocalStorage), so requests that overlap each count only their own
 * commands; a command sent outside any request (none in the demo) is not counted. Chosen over INFO commandstats or
 * MONITOR, which see the whole server: under concurrent requests their deltas would mix requests together, and
 * they would count the admin page's own reads too.
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
    const note = (args: readonly unknown[]) => {
      const counts = this.#current.getStore()
      const command = counted(args)
      if (!counts || !command) return
      const seen = counts.get(command.label)
      counts.set(command.label, { count: (seen?.count ?? 0) + 1, writes: command.writes })
    }
    return new Proxy(client, {
      get(target, property) {
        // The target as receiver: node-redis's getters read private fields, which a proxy does not have.
        const value: unknown = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        const bound = (value as (...args: unknown[]) => unknown).bind(target)
        if (property === 'sendCommand') {
          return (...args: unknown[]) => {
            note(args.find(Array.isArray) ?? [])
            return bound(...args)
          }
        }
        const command = typeof property === 'string' ? METHOD_COMMANDS[property] : undefined
        if (!command) return bound
        return (...args: unknown[]) => {
          note([command])
          return bound(...args)
        }
      },
    })
  }
}

const plural = (count: number, word: string) => `${count} ${count === 1 ? word : `${word}s`}`

/** How many of the counted commands can change data. */
export function writesIn(counts: CommandCounts): number {
  let writes = 0
  for (const { count, writes: isWrite } of counts.values()) if (isWrite) writes += count
  return writes
}

/** "1 GET, 1 EVALSHA COMPARE_AND_SET: 1 read, 1 write", or "no Redis commands". */
export function describeCounts(counts: CommandCounts): string {
  if (counts.size === 0) return 'no Redis commands'
  const names = [...counts].map(([label, { count }]) => `${count} ${label}`).join(', ')
  let all = 0
  for (const { count } of counts.values()) all += count
  const writes = writesIn(counts)
  return `${names}: ${plural(all - writes, 'read')}, ${plural(writes, 'write')}`
}
