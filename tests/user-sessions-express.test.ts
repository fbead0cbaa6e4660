import express from 'express'
import request from 'supertest'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import { expressWithSession } from './helpers/express-app.js'
import { uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

// The README recipe's routes, over HTTP, with a browser per device (a supertest agent keeps its cookies).
function appOn(store: RedisSessionStore) {
  const app = expressWithSession(store)
  app.use(express.urlencoded({ extended: false }))
  const signedIn = (req: express.Request) => (req.session as { userId?: string }).userId
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error)
      ;(req.session as { userId?: string }).userId = String(req.body.user)
      res.sendStatus(204)
    })
  })
  app.get('/devices', async (req, res) => {
    const userId = signedIn(req)
    if (!userId) return void res.sendStatus(401)
    const sids = await store.userSessions(userId)
    res.json(sids.map((sid) => sid === req.sessionID))
  })
  app.post('/logout-others', async (req, res) => {
    const userId = signedIn(req)
    if (!userId) return void res.sendStatus(401)
    res.json({ signedOut: await store.destroyUserSessions(userId, { except: req.sessionID }) })
  })
  app.post('/logout-everywhere', async (req, res, next) => {
    const userId = signedIn(req)
    if (!userId) return void res.sendStatus(401)
    const others = await store.destroyUserSessions(userId, { except: req.sessionID })
    req.session.destroy((error) => (error ? next(error) : res.json({ signedOut: others + 1 })))
  })
  return app
}

const test = suite<{ handle: ClientHandle }>('sessions per user over HTTP with express-session')
let handle: ClientHandle
redisFor(test, (started) => {
  handle = started.handle
})

type Agent = ReturnType<typeof request.agent>

/** One browser per user given, each signed in. */
async function devicesSignedInAs<const Users extends readonly string[]>(
  app: express.Express,
  users: Users,
): Promise<{ [I in keyof Users]: Agent }> {
  const agents: Agent[] = []
  for (const user of users) {
    const agent = request.agent(app)
    await agent.post('/login').type('form').send({ user }).expect(204)
    agents.push(agent)
  }
  return agents as unknown as { [I in keyof Users]: Agent }
}

const storeOn = (client: SupportedClient) =>
  createRedisStore({ client, prefix: uniquePrefix('x'), userId: (s) => (s as { userId?: string }).userId })

test("lists the user's devices and marks the one asking", async () => {
  const store = storeOn(handle.client)
  const [laptop, phone, other] = await devicesSignedInAs(appOn(store), ['ada', 'ada', 'bob'])
  assert.equal(((await laptop.get('/devices').expect(200)).body as boolean[]).sort(), [false, true])
  assert.equal(((await phone.get('/devices').expect(200)).body as boolean[]).sort(), [false, true])
  assert.equal((await other.get('/devices').expect(200)).body, [true])
})

test('signs out the other devices and keeps the one asking', async () => {
  const store = storeOn(handle.client)
  const app = appOn(store)
  const [laptop, phone, tablet, other] = await devicesSignedInAs(app, ['ada', 'ada', 'ada', 'bob'])
  assert.equal((await laptop.post('/logout-others').expect(200)).body, { signedOut: 2 })
  await phone.get('/devices').expect(401)
  await tablet.get('/devices').expect(401)
  assert.equal((await laptop.get('/devices').expect(200)).body, [true])
  assert.equal((await other.get('/devices').expect(200)).body, [true])
})

test('logs out everywhere, the device asking included', async () => {
  const store = storeOn(handle.client)
  const app = appOn(store)
  const [laptop, phone, other] = await devicesSignedInAs(app, ['ada', 'ada', 'bob'])
  assert.equal((await phone.post('/logout-everywhere').expect(200)).body, { signedOut: 2 })
  await laptop.get('/devices').expect(401)
  await phone.get('/devices').expect(401)
  assert.equal(await store.userSessions('ada'), [])
  assert.equal((await other.get('/devices').expect(200)).body, [true])
})

test.run()
