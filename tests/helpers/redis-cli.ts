import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { redisBinary } from '../../dev/redis-binary.js'

const run = promisify(execFile)

/** Runs redis-cli against one server on 127.0.0.1 and answers its output (raw, one reply element a line). */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const cli = redisBinary('redis-cli')
  const { stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 60_000 })
  return stdout
}

/** The fields of an INFO or CLUSTER INFO reply. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return fields
}

/**
 * Polls until `done()` answers true, failing with `what` after `timeoutMs`. An attempt that hangs (a
 * client that queues commands for a node that is gone) counts as failed after `attemptMs`.
 */
export async function waitFor(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs = 30_000,
  attemptMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      if (await withinMs(attemptMs, done())) return
    } catch (error) {
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`, { cause: lastError })
}

function withinMs<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  // The abandoned attempt may still settle later; its outcome no longer matters.
  promise.catch(() => {})
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** A counter from one server's INFO section, e.g. `cmdstat_scan` calls or `errorstat_CROSSSLOT` count; 0 when absent. */
export async function infoCounter(port: number, section: string, name: string, field: string): Promise<number> {
  const value = infoFields(await redisCli(port, 'INFO', section)).get(name) ?? ''
  return Number(new RegExp(`(?:^|,)${field}=(\\d+)`).exec(value)?.[1] ?? 0)
}
