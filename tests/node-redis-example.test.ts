import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { answers503, type ExampleProcess, startExample } from './helpers/example-process.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

// examples/node-redis.ts, the README's quick start, run as its own process: its route reads req.session, which
// express-session leaves undefined while the store is disconnected.
let server: ServerProcess
let app: ExampleProcess

const test = suite('examples/node-redis.ts, run as a program')

test.before(async () => {
  server = await startRedis()
  app = await startExample('node-redis.ts', { REDIS_URL: server.url })
})

test.after(async () => {
  await app.terminate()
  await server.stop()
})

test('counts views, and while Redis is down answers 503 instead of failing on a missing session', async () => {
  const agent = request.agent(app.url)
  assert.is((await agent.get('/').expect(200)).text, 'views: 1')
  await server.kill()
  try {
    await answers503(app)
    assert.match(app.output(), /redis:/, "the client's error listener logged the outage")
    assert.not.match(app.output(), /TypeError/, 'no route failed on req.session')
  } finally {
    await server.restart()
  }
})

test.run()
