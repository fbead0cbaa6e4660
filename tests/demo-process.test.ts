import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startDemo } from './helpers/demo-process.js'

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const test = suite('npm run demo without REDIS_URL')

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`starts a Redis of its own and stops it, and itself, on ${signal}`, async () => {
    const demo = await startDemo({ REDIS_URL: undefined, PORT: '0' })
    let stopped = false
    try {
      const redisPid = Number(/embedded redis-server \(pid (\d+)\)/.exec(demo.output())?.[1])
      assert.ok(redisPid > 0, `the demo names its Redis:\n${demo.output()}`)
      assert.ok(isRunning(redisPid))
      const response = await fetch(demo.url)
      assert.is(response.status, 200)
      assert.match(await response.text(), 'Sign in')

      assert.is(await demo.stop(signal), 0, demo.output())
      stopped = true
      assert.match(demo.output(), 'demo: stopped')
      assert.not.ok(isRunning(redisPid), 'the embedded redis-server is gone')
    } finally {
      if (!stopped) await demo.stop()
    }
  })
}

test.run()
