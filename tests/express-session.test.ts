import supertest from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { expressWithSession } from './helpers/express-app.js'
import type { Inspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

declare module 'express-session' {
  interface SessionData {
    name: string
    views: number
  }
}

const MAX_AGE_MS = 600_000
const server = sharedServer(startRedis)

/** An Express app with express-session on the store: routes that read, write, regenerate and destroy. */
function appOn(client: SupportedClient, prefix: string) {
  const app = expressWithSession(createRedisStore({ client, prefix }), { cookie: { maxAge: MAX_AGE_MS } })
  app.get('/peek', (req, res) => {
    res.json({ name: req.session.name ?? null, sid: req.sessionID })
  })
  app.post('/sign-in/:name', (req, res) => {
    req.session.name = req.params.name
    res.json({ sid: req.sessionID })
  })
  app.post('/regenerate', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error)
      req.session.name = 'again'
      res.json({ sid: req.sessionID })
    })
  })
  app.post('/sign-out', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })))
  })
  return app
}

const sidOf = (response: { body: { sid: string } }) => response.body.sid

for (const name of ['node-redis 6', 'ioredis 6'] as const) {
  const test = suite(`express-session over HTTP, ${name}`)
  let handle: ClientHandle
  let redis: Inspector

  redisFor(test, { library: name, server }, (started) => ({ handle, redis } = started))

  const keysUnder = async (prefix: string) => (await redis.keys()).filter((key) => key.startsWith(prefix))

  test('writes nothing for a new visitor whose session is not modified', async () => {
    const prefix = uniquePrefix('http')
    const setsBefore = await redis.calls('set')
    const response = await supertest(appOn(handle.client, prefix)).get('/peek').expect(200)
    assert.is(response.headers['set-cookie'], undefined)
    assert.equal(await keysUnder(prefix), [])
    assert.is(await redis.calls('set'), setsBefore)
  })

  test("saves a modified session with the cookie's maxAge as its TTL", async () => {
    const prefix = uniquePrefix('http')
    const sid = sidOf(await supertest(appOn(handle.client, prefix)).post('/sign-in/ada').expect(200))
    const stored = JSON.parse((await redis.get(`${prefix}${sid}`)) ?? 'null')
    assert.is(stored.name, 'ada')
    const ttl = await redis.ttl(`${prefix}${sid}`)
    assert.ok(ttl > MAX_AGE_MS / 1000 - 5 && ttl <= MAX_AGE_MS / 1000, `ttl ${ttl}`)
  })

  test('reads a returning visitor and touches the key without rewriting it', async () => {
    const prefix = uniquePrefix('http')
    const agent = supertest.agent(appOn(handle.client, prefix))
    const sid = sidOf(await agent.post('/sign-in/grace').expect(200))
    const key = `${prefix}${sid}`
    await redis.set(key, (await redis.get(key)) ?? '') // drops the TTL, so that the touch must restore it
    const [setsBefore, expiresBefore] = [await redis.calls('set'), await redis.calls('expire')]
    const response = await agent.get('/peek').expect(200)
    assert.equal(response.body, { name: 'grace', sid })
    assert.is(await redis.calls('set'), setsBefore)
    assert.is(await redis.calls('expire'), expiresBefore + 1)
    assert.ok((await redis.ttl(key)) > MAX_AGE_MS / 1000 - 5)
  })

  test('regenerate destroys the old key and saves a new one', async () => {
    const prefix = uniquePrefix('http')
    const agent = supertest.agent(appOn(handle.client, prefix))
    const oldSid = sidOf(await agent.post('/sign-in/linus').expect(200))
    const newSid = sidOf(await agent.post('/regenerate').expect(200))
    assert.is.not(newSid, oldSid)
    assert.is(await redis.exists(`${prefix}${oldSid}`), false)
    assert.is(JSON.parse((await redis.get(`${prefix}${newSid}`)) ?? 'null').name, 'again')
    assert.equal((await agent.get('/peek').expect(200)).body, { name: 'again', sid: newSid })
  })

  test('destroy removes the key and the visitor is signed out', async () => {
    const prefix = uniquePrefix('http')
    const agent = supertest.agent(appOn(handle.client, prefix))
    const sid = sidOf(await agent.post('/sign-in/barbara').expect(200))
    await agent.post('/sign-out').expect(200)
    assert.is(await redis.exists(`${prefix}${sid}`), false)
    assert.is((await agent.get('/peek').expect(200)).body.name, null)
  })

  test('a cookie whose session is gone from Redis gets a fresh session', async () => {
    const prefix = uniquePrefix('http')
    const agent = supertest.agent(appOn(handle.client, prefix))
    const sid = sidOf(await agent.post('/sign-in/edsger').expect(200))
    await createRedisStore({ client: handle.client, prefix }).destroy(sid)
    const response = await agent.get('/peek').expect(200)
    assert.is(response.body.name, null)
    assert.is.not(response.body.sid, sid)
  })

  if (name === 'ioredis 6') test.after(server.stop)
  test.run()
}
