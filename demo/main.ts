// `npm run demo`: the demo app on an embedded Redis, or on $REDIS_URL; $PORT (default 3000); $DEMO_SLOW_REQUEST_MS,
// how long the slow request holds (default 5000, at most 30000).
import type { AddressInfo } from 'node:net'
import { createClient } from 'redis'
import { createRedisStore } from '../src/index.js'
import { DEFAULT_SLOW_REQUEST_MS, demoApp, MAX_SLOW_REQUEST_MS } from './app.js'
import { CommandCounter } from './command-count.js'
import { demoRedis } from './redis.js'
import { userOf } from './session-data.js'

const DEFAULT_PORT = 3000

/** $name as a whole number from 0 to `max`, `fallback` when unset; anything else stops the demo, saying why. */
function wholeNumberFromEnv(name: string, fallback: number, max: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (Number.isInteger(value) && value >= 0 && value <= max) return value
  console.error(`demo: ${name} must be a whole number from 0 to ${max}; received ${JSON.stringify(text)}`)
  process.exit(1)
}

const port = wholeNumberFromEnv('PORT', DEFAULT_PORT, 65_535)
const slowRequestMs = wholeNumberFromEnv('DEMO_SLOW_REQUEST_MS', DEFAULT_SLOW_REQUEST_MS, MAX_SLOW_REQUEST_MS)

const redis = await demoRedis()
const client = createClient({ url: redis.url })
client.on('error', (error: Error) => console.error('demo: redis:', error.message))
await client.connect()

const PREFIX = 'demo:sess:'
const commands = new CommandCounter()
const store = createRedisStore({ client: commands.wrap(client), prefix: PREFIX, userId: userOf })
// A fixed default keeps sessions valid across restarts of the demo; a real app reads its secret from the environment.
const secret = process.env.SESSION_SECRET ?? 'redis-session-store demo secret'
const server = demoApp({ store, secret, slowRequestMs, commands, redis: client, prefix: PREFIX }).listen(port)
server.once('listening', () => {
  const { port: actual } = server.address() as AddressInfo
  console.log(`redis-session-store demo: http://localhost:${actual}/ (sessions in ${redis.origin}, ${redis.url})`)
  console.log('Press Ctrl-C to stop.')
})
server.once('error', (error) => {
  console.error('demo: cannot listen:', error.message)
  void shutDown(1)
})

let stopping = false
async function shutDown(exitCode: number) {
  if (stopping) return
  stopping = true
  // Open keep-alive connections from browsers would otherwise hold close() until they time out.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
  await client.close().catch(() => {})
  await redis.stop()
  console.log('demo: stopped')
  process.exit(exitCode)
}
process.once('SIGINT', () => void shutDown(0))
process.once('SIGTERM', () => void shutDown(0))
