import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type ExampleProcess, startExample } from './helpers/example-process.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

// examples/fastify.ts, run as its own process: sessions with a typed userId, and a 503 while Redis is down.
let server: ServerProcess
let app: ExampleProcess

const test = suite('examples/fastify.ts, run as a program')

test.before(async () => {
  server = await startRedis()
  app = await startExample('fastify.ts', { REDIS_URL: server.url })
})

test.after(async () => {
  await app.terminate()
  await server.stop()
})

const cookieOf = (response: request.Response) =>
  ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]?.split(';')[0] as string

test('signs in, counts views and lists the user its sessions', async () => {
  const signedIn = await request(app.url).post('/login').send({ user: 'ada' }).expect(200)
  const cookie = cookieOf(signedIn)
  assert.equal((await request(app.url).get('/').set('Cookie', cookie).expect(200)).body, { views: 1, user: 'ada' })
  assert.equal((await request(app.url).get('/devices').set('Cookie', cookie).expect(200)).body, { sessions: 1 })
})

test('with Redis gone, a request with a session cookie gets 503 with Retry-After, at once', async () => {
  const cookie = cookieOf(await request(app.url).post('/login').send({ user: 'bob' }).expect(200))
  await server.kill()
  try {
    const started = performance.now()
    const response = await request(app.url).get('/').set('Cookie', cookie).expect(503)
    assert.ok(performance.now() - started < 1_000, 'well within the store timeout: it failed fast')
    assert.is(response.headers['retry-after'], '1')
  } finally {
    await server.restart()
  }
})

test.run()
