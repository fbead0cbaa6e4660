// A second Redis client in its own process, doing GETs in a loop and keeping the slowest one, so that
// what it measures is Redis making it wait, not the benchmark's own event loop.
import { createClient } from 'redis'

const [host = '127.0.0.1', port = '6379'] = process.argv.slice(2)
const client = createClient({ socket: { host, port: Number(port) } })
client.on('error', () => {})
await client.connect()
await client.set('probe:key', 'probe value')

let worstMs = 0
let count = 0
let running = true

process.on('message', (message: string) => {
  if (message === 'reset') {
    worstMs = 0
    count = 0
    process.send?.({ reset: true })
  } else if (message === 'report') {
    process.send?.({ worstMs, count })
  } else if (message === 'stop') {
    running = false
  }
})
process.send?.({ ready: true })

while (running) {
  const started = performance.now()
  await client.get('probe:key')
  const elapsed = performance.now() - started
  if (elapsed > worstMs) worstMs = elapsed
  count++
}
await client.disconnect()
process.disconnect?.()
