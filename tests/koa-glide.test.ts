import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectGlide } from './helpers/clients.js'
import { koaApp, koaBrowser, listen } from './helpers/koa-app.js'
import type { ListeningApp } from './helpers/loopback.js'
import { redisCli } from './helpers/redis-cli.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

type Fields = Record<string, unknown>

// The Koa view runs on the store's client adapter like every method: this checks it end to end on a GLIDE client.
const test = suite('koa-session on store.koa, Valkey GLIDE client')
let redis: ServerProcess
let glide: ClientHandle
const running: ListeningApp[] = []

test.before(async () => {
  redis = await startRedis()
  glide = await connectGlide(redis)
})
test.after.each(async () => {
  for (const app of running.splice(0)) await app.close()
})
test.after(async () => {
  await glide.close()
  await redis.stop()
})

async function startKoa(): Promise<{ store: RedisSessionStore; url: string; prefix: string; errors: unknown[] }> {
  const prefix = uniquePrefix('koa-glide')
  const userId = (session: unknown) => (session as Fields).userId as string | undefined
  const store = createRedisStore({ client: glide.client, prefix, userId })
  const { app, errors } = koaApp({ store: store.koa })
  const listening = await listen(app)
  running.push(listening)
  return { store, url: listening.url, prefix, errors }
}

test('keeps a Koa session across requests and merges two requests’ changes', async () => {
  const { url, errors } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  await browser.send(`${url}/change?set=b=2`)
  assert.equal((await browser.send(`${url}/session`)).body, { a: '1', b: '2' })
  assert.equal(errors, [])
})

test('lists and revokes a user’s Koa sessions; a revoked one does not load again', async () => {
  const { url, store } = await startKoa()
  const [laptop, phone] = [koaBrowser(), koaBrowser()]
  await laptop.send(`${url}/sign-in/ada`)
  await phone.send(`${url}/sign-in/ada`)
  assert.equal((await store.koa.userSessions('ada')).sort(), [laptop.key, phone.key].sort())
  assert.is(await store.koa.destroyUserSessions('ada', { except: laptop.key }), 1)
  assert.equal((await phone.send(`${url}/session`)).body, {})
  assert.equal((await laptop.send(`${url}/session`)).body, { userId: 'ada' })
})

test('sign-out destroys the key', async () => {
  const { url, prefix } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const key = browser.key
  assert.is((await redisCli(redis.port, 'EXISTS', prefix + key)).trim(), '1')
  await browser.send(`${url}/sign-out`)
  assert.is((await redisCli(redis.port, 'EXISTS', prefix + key)).trim(), '0')
})

test.run()
