import type { AddressInfo } from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectClient, connectCluster } from './helpers/clients.js'
import { expressWithSession, sidIn } from './helpers/express-app.js'
import { holdFirst } from './helpers/held-commands.js'
import { type RunningCluster, type ServerProcess, startCluster, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

/*
 * A sign-in writes the session's key and files it in the user's index. The key's write is held (it stands
 * for one that lands late: on another cluster node, or resent after NOSCRIPT) while another app instance
 * lists or revokes the user's sessions; once it lands, the signed-in session must be in the index.
 */

type Fields = Record<string, unknown>
const userId = (session: object) => (session as Fields).userId as string | undefined

/** POST /visit starts an anonymous session; /sign-in-here signs it in; /sign-in regenerates it first. */
async function startApp(store: RedisSessionStore) {
  const app = expressWithSession(store)
  app.post('/visit', (req, res) => {
    ;(req.session as unknown as Fields).visits = 1
    res.send('ok')
  })
  app.post('/sign-in-here', (req, res) => {
    ;(req.session as unknown as Fields).userId = 'grace'
    res.send('ok')
  })
  app.post('/sign-in', (req, res, next) =>
    req.session.regenerate((error) => {
      if (error) return next(error)
      ;(req.session as unknown as Fields).userId = 'grace'
      res.send('ok')
    }),
  )
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let cookie = ''
  return {
    /** A POST from one browser, resolving once the response has ended (after the save). */
    async post(path: string) {
      const response = await fetch(url + path, { method: 'POST', headers: cookie ? { cookie } : {} })
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie
      assert.is(await response.text(), 'ok')
    },
    sid: () => sidIn(cookie),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

interface Target {
  start(): Promise<void>
  connect(): Promise<ClientHandle>
  stop(): Promise<void>
}

function indexSuite(name: string, target: Target, signIn: '/sign-in-here' | '/sign-in', heldMethod: string) {
  const test = suite(`a user's index while a sign-in's write is held, ${name}`)
  const handles: ClientHandle[] = []
  test.before(target.start)
  test.after(async () => {
    for (const handle of handles) await handle.close()
    await target.stop()
  })

  /** App one, whose client holds the first session-key write matching `heldMethod`; store two on a client of its own. */
  async function twoInstances() {
    const prefix = uniquePrefix('held')
    const [one, two] = [await target.connect(), await target.connect()]
    handles.push(one, two)
    const { client, held } = holdFirst(one.client as object, (method, args) => {
      if (method !== heldMethod) return false
      const key = method === 'evalsha' ? args[2] : args[0]
      return typeof key === 'string' && key.startsWith(prefix)
    })
    const app = await startApp(createRedisStore({ client: client as SupportedClient, prefix, userId }))
    if (signIn === '/sign-in-here') await app.post('/visit')
    const other = createRedisStore({ client: two.client, prefix, userId })
    return { app, held, other }
  }

  test('a listing while the write is held, then the session is listed once it has landed', async () => {
    const { app, held, other } = await twoInstances()
    const signingIn = app.post(signIn)
    await held.arrived
    assert.equal(await other.userSessions('grace'), [])
    held.release()
    await signingIn
    assert.equal(await other.userSessions('grace'), [app.sid()])
    await app.close()
  })

  test('a revocation while the write is held revokes nothing yet, then the session can be revoked', async () => {
    const { app, held, other } = await twoInstances()
    const signingIn = app.post(signIn)
    await held.arrived
    assert.is(await other.destroyUserSessions('grace'), 0)
    held.release()
    await signingIn
    assert.ok(await other.get(app.sid()), 'the signed-in session lives')
    assert.is(await other.destroyUserSessions('grace'), 1)
    assert.is(await other.get(app.sid()), null)
    await app.close()
  })

  return test
}

let server: ServerProcess | undefined
const oneServer: Target = {
  async start() {
    server = await startRedis()
  },
  connect: () => connectClient('ioredis 6', server as ServerProcess),
  stop: async () => server?.stop(),
}

let cluster: RunningCluster | undefined
const aCluster: Target = {
  async start() {
    cluster = await startCluster()
  },
  connect: () => connectCluster('ioredis 6', (cluster as RunningCluster).rootNodes),
  stop: async () => cluster?.stop(),
}

// Signing in an existing session is a compare-and-set, which may be resent after NOSCRIPT even on one server.
indexSuite('signing in the loaded session, on one server', oneServer, '/sign-in-here', 'evalsha').run()
// A new session is a SET; on a cluster it goes to another node than the index.
indexSuite('signing in a regenerated session, on a cluster', aCluster, '/sign-in', 'set').run()
