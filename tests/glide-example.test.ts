import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { answers503, type ExampleProcess, startExample } from './helpers/example-process.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis, startValkey, valkeyIsInstalled } from './helpers/servers.js'

// examples/glide.ts run as its own process, on valkey-server where it is installed (redis-server otherwise).
let server: ServerProcess
let app: ExampleProcess

const test = suite('examples/glide.ts, run as a program')

test.before(async () => {
  server = valkeyIsInstalled() ? await startValkey({ durable: true }) : await startRedis({ durable: true })
  app = await startExample('glide.ts', { VALKEY_HOST: server.host, VALKEY_PORT: String(server.port) })
})

test.after(async () => {
  await app.terminate()
  await server.stop()
})

test('counts views, answers 503 while Valkey is down, and keeps the session once it is back', async () => {
  const agent = request.agent(app.url)
  assert.is((await agent.get('/').expect(200)).text, 'views: 1')
  await server.kill()
  try {
    await answers503(app)
    assert.match(app.output(), /session store: disconnected/)
    assert.not.match(app.output(), /TypeError/, 'no route failed on req.session')
  } finally {
    await server.restart()
  }
  await waitFor('the store to say connect', () => app.output().includes('session store: connected'), {
    timeoutMs: 20_000,
  })
  assert.is((await agent.get('/').expect(200)).text, 'views: 2')
})

test.run()
