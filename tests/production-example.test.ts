import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { createClient } from 'redis'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { killOnExit } from '../dev/server-process.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'

// examples/production.ts, the README's recommended setup, run as its own process as a user would run it.
const ROOT = resolve(import.meta.dirname, '..')
const START_LIMIT_MS = 30_000

let server: ServerProcess
let app: ChildProcess
let url: string
let output = ''

function startExample(redisUrl: string): Promise<string> {
  app = spawn(process.execPath, ['--import', 'tsx', 'examples/production.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: '0',
      SESSION_SECRET: 'a cookie-signing secret for the test',
      SESSION_ENCRYPTION_SECRETS: 'an encryption secret of at least thirty-two characters',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killOnExit(app)
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within ${START_LIMIT_MS} ms:\n${output}`)), START_LIMIT_MS)
    const record = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/localhost:\d+)\//.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    }
    app.stdout?.on('data', record)
    app.stderr?.on('data', record)
    app.once('exit', (code) => reject(new Error(`it exited with ${code}:\n${output}`)))
  })
}

const test = suite('examples/production.ts, run as a program')

test.before(async () => {
  server = await startRedis()
  url = await startExample(server.url)
})

test.after(async () => {
  if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL')
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
  const exited = once(app, 'exit')
  app.kill('SIGTERM')
  const [code] = await exited
  assert.is(code, 0, output)
})

test.run()
