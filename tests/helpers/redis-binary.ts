import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** The path of a program on PATH, or undefined. */
export function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, program)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

let provisioned = false

/**
 * The redis-server binary the tests use: $REDIS_SERVER_BINARY, else redis-server on PATH, else
 * Debian's redis-server package installed once (as root, with apt-get). Returns undefined when none
 * can be had, so that redis-memory-server falls back to building its own, as it reports.
 */
export function redisServerBinary(program = 'redis-server'): string | undefined {
  if (program === 'redis-server' && process.env.REDIS_SERVER_BINARY) return process.env.REDIS_SERVER_BINARY
  const found = findOnPath(program)
  if (found || provisioned) return found
  provisioned = true
  if (process.getuid?.() === 0 && findOnPath('apt-get')) {
    console.log(`[tests] ${program} is not on PATH: installing Debian's redis-server, redis-tools and redis-sentinel`)
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq redis-server redis-tools redis-sentinel'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    return findOnPath(program)
  }
  console.log(`[tests] ${program} is not on PATH and apt-get is unavailable; redis-memory-server will build Redis`)
  return undefined
}
