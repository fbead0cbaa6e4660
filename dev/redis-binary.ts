import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export type RedisProgram = 'redis-server' | 'redis-sentinel' | 'redis-cli'

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
 * A Redis program for the tests and the demo: $REDIS_SERVER_BINARY for redis-server, else the program
 * on PATH, else Debian's redis-server, redis-tools and redis-sentinel packages installed once (as root,
 * with apt-get). Throws, saying what to install, when none can be had.
 */
export function redisBinary(program: RedisProgram = 'redis-server'): string {
  if (program === 'redis-server' && process.env.REDIS_SERVER_BINARY) return process.env.REDIS_SERVER_BINARY
  const found = findOnPath(program)
  if (found) return found
  if (!provisioned && process.getuid?.() === 0 && findOnPath('apt-get')) {
    provisioned = true
    console.log(`[redis] ${program} is not on PATH: installing Debian's redis-server, redis-tools and redis-sentinel`)
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq redis-server redis-tools redis-sentinel'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    const installed = findOnPath(program)
    if (installed) return installed
  }
  throw new Error(
    `${program} is not on PATH: install Redis (Debian: apt-get install redis-server redis-tools redis-sentinel)`,
  )
}

/** valkey-server: $VALKEY_SERVER_BINARY, else on PATH (Debian bookworm has it in bookworm-backports), else undefined. */
export const valkeyBinary = (): string | undefined => process.env.VALKEY_SERVER_BINARY || findOnPath('valkey-server')
