import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type ExampleProcess, startExample } from './helpers/example-process.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

// examples/koa.ts, run as its own program: koa-session on store.koa, sessions per user, and a 503 while Redis is down.
let server: ServerProcess
let app: ExampleProcess

const test = suite('examples/koa.ts, run as a program')

test.before(async () => {
  server = await startRedis()
  app = await startExample('koa.ts', { REDIS_URL: server.url })
})

test.after(async () => {
  await app.terminate()
  await server.stop()
})

// koa-session signs its cookie: the key and its signature travel together.
const cookiesOf = (response: request.Response) =>
  ([] as string[])
    .concat(response.headers['set-cookie'] ?? [])
    .map((line) => line.split(';')[0])
    .join('; ')

test('signs in, counts views, lists and signs out the other devices of the user', async () => {
  const laptop = cookiesOf(await request(app.url).get('/login?user=ada').expect(200))
  const phone = cookiesOf(await request(app.url).get('/login?user=ada').expect(200))
  assert.equal((await request(app.url).get('/').set('Cookie', laptop).expect(200)).body, { views: 1, user: 'ada' })
  assert.equal((await request(app.url).get('/devices').set('Cookie', laptop).expect(200)).body, { sessions: 2 })
  assert.equal((await request(app.url).get('/logout-others').set('Cookie', laptop).expect(200)).body, {
    signedOut: 1,
  })
  assert.equal((await request(app.url).get('/').set('Cookie', phone).expect(200)).body, { views: 1, user: null })
})

test('with Redis gone, a request gets 503 with Retry-After, at once', async () => {
  const cookie = cookiesOf(await request(app.url).get('/login?user=bob').expect(200))
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
