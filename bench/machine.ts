import { readFileSync } from 'node:fs'
import os from 'node:os'
import type { NodeRedis } from './clients.js'

const PACKAGES = ['connect-redis', 'redis', 'express', 'express-session', 'autocannon'] as const

function versionOf(name: string): string {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}

/** Where and with what the numbers were taken. */
export async function machine(client: NodeRedis) {
  const server = await client.info('server')
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: /redis_version:(\S+)/.exec(server)?.[1] ?? 'unknown',
    packages: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
  }
}
