import { createClient } from 'redis'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type ExampleProcess, startExample } from './helpers/example-process.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

// examples/production.ts, the README's recommended setup, run as its own process as a user would run it.
let server: ServerProcess
let app: ExampleProcess
let url: string

const test = suite('examples/production.ts, run as a program')

test.before(async () => {
  server = await startRedis()
  app = await startExample('production.ts', {
    REDIS_URL: server.url,
    SESSION_SECRET: 'a cookie-signing secret for the test',
    SESSION_ENCRYPTION_SECRETS: 'an encryption secret of at least thirty-two characters',
  })
  url = app.url
})

test.after(async () => {
  if (app.process.exitCode === null) app.process.kill('SIGKILL')
  await server.stop()
})

test('signs in, counts visits, and keeps neither the session id nor its data readable in Redis', async () => {
  const signIn = await request(url).post('/login').type('form').send({ user: 'ada' }).expect(200)
  const cookie = ([] as string[]).concat(signIn.headers['set-cookie'] ?? [])[0]?.split(';')[0] as string
  assert.match(cookie, /^sid=/)
  assert.is((await request(url).get('/').set('Cookie', cookie).expect(200)).text, 'visits: 1')
  assert.is((await request(url).get('/').set('Cookie', cookie).expect(200)).text, 'visits: 2')
  const observer = createClient({ url: server.url })
  await observer.connect()
  try {
    const keys = (await observer.keys('myapp:sess:*')).filter((key) => !key.includes('user-sessions'))
    assert.is(keys.length, 1)
    const sid = decodeURIComponent(cookie.slice('sid='.length)).slice(2).split('.')[0] as string
    assert.ok((keys[0] as string).startsWith('myapp:sess:~'), 'the key holds a hash of the id')
    assert.not.ok((keys[0] as string).includes(sid), 'and not the id')
    const value = (await observer.get(keys[0] as string)) as string
    assert.not.ok(value.includes('visits') || value.includes('ada'), 'the value is encrypted')
  } finally {
    await observer.close()
  }
})

test('with Redis gone, a page that needs a session answers 503 at once and the health check still answers', async () => {
  await server.kill()
  try {
    const started = performance.now()
    await request(url).get('/').expect(503)
    assert.ok(performance.now() - started < 1_500, 'within the store timeout')
    assert.equal((await request(url).get('/health').expect(200)).body, { sessions: 'unavailable' })
  } finally {
    await server.restart()
  }
})

test('SIGTERM closes the server and the Redis client, and the process exits 0', async () => {
  assert.is(await app.terminate(), 0, app.output())
})

test.run()
