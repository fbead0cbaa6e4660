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

/** A counter from one server's INFO section, e.g. `cmdstat_scan` calls or `errorstat_CROSSSLOT` count; 0 when absent. */
export async function infoCounter(port: number, section: string, name: string, field: string): Promise<number> {
  const value = infoFields(await redisCli(port, 'INFO', section)).get(name) ?? ''
  return Number(new RegExp(`(?:^|,)${field}=(\\d+)`).exec(value)?.[1] ?? 0)
}
