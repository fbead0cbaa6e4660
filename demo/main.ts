// `npm run demo`: the demo app on an embedded Redis, or on $REDIS_URL; $PORT (default 3000); $DEMO_SLOW_REQUEST_MS,
// how long the slow request holds (default 5000, at most 30000); $DEMO_OUTAGE_MS, how long a pulled plug keeps the
// embedded Redis stopped (default 5000, at most 60000).
import type { AddressInfo } from 'node:net'
import { createClient } from 'redis'
import { createRedisStore, DEFAULT_TIMEOUT } from '../src/index.js'
import { DEFAULT_OUTAGE_MS, DEFAULT_SLOW_REQUEST_MS, demoApp, MAX_OUTAGE_MS, MAX_SLOW_REQUEST_MS } from './app.js'
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
const outageMs = wholeNumberFromEnv('DEMO_OUTAGE_MS', DEFAULT_OUTAGE_MS, MAX_OUTAGE_MS)
// Retried every 100 ms at most, so that the demo is back within moments of a pulled plug's Redis (node-redis's
// default backs off to 2 s and more).
const RECONNECT_DELAY_MS = 100

const redis = await demoRedis()
const client = createClient({
  url: redis.url,
  socket: { reconnectStrategy: (retries: number) => Math.min(retries * 20, RECONNECT_DELAY_MS) },
})
// Once per outage, not once per reconnect attempt.
let lastRedisError = ''
client.on('error', (error: Error) => {
  if (error.message !== lastRedisError) console.error('demo: redis:', error.message)
  lastRedisError = error.message
})
client.on('ready', () => {
  lastRedisError = ''
})
await client.connect()

const PREFIX = 'demo:sess:'
const commands = new CommandCounter()
// touchAfter: a request that leaves its session unchanged sends no EXPIRE if the key was renewed in the last minute.
const TOUCH_AFTER_S = 60
const store = createRedisStore({
  client: commands.wrap(client),
  prefix: PREFIX,
  userId: userOf,
  touchAfter: TOUCH_AFTER_S,
})
// A fixed default keeps sessions valid across restarts of the demo; a real app reads its secret from the environment.
const secret = process.env.SESSION_SECRET ?? 'redis-session-store demo secret'
const server = demoApp({
  store,
  secret,
  slowRequestMs,
  commands,
  redis: client,
  prefix: PREFIX,
  plug: redis.plug,
  outageMs,
  connected: () => client.isReady,
  timeoutMs: DEFAULT_TIMEOUT,
}).listen(port)
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
