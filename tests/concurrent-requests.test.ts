import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectClient, connectGlide } from './helpers/clients.js'
import { Gates } from './helpers/gates.js'
import { watchCommands } from './helpers/monitor.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

/**
 * Requests held open inside their handlers, after their session was loaded, while another request (on this
 * app instance or another, on its own client) or a direct store call acts; then released. The order is the
 * test's, not the event loop's.
 */

type Fields = Record<string, unknown>

/**
 * An app instance: express-session on the store. POST /change applies `set`, `del` and `push` (to an array
 * under `cart.items`) from the query, after waiting at the `hold` gate when one is named.
 */
function appInstance(store: RedisSessionStore, gates: Gates, resave: boolean) {
  const app = express()
  app.set('env', 'test')
  app.use(session({ store: store as unknown as session.Store, secret: 'shared', resave, saveUninitialized: false }))
  app.post('/sign-in/:user', (req, res) => {
    Object.assign(req.session, { userId: req.params.user, cart: { items: [] } })
    res.json({ ok: true })
  })
  app.post('/change', async (req, res) => {
    const data = req.session as unknown as Fields
    const { hold, set, del, push, then } = req.query as Record<string, string | undefined>
    if (hold) await gates.pass(hold)
    if (set) for (const pair of set.split(',')) data[pair.split('=')[0] as string] = pair.split('=')[1]
    if (del) delete data[del]
    if (push) (data.cart as { items: string[] }).items.push(push)
    // Saved now, then changed again: express-session saves once more at the end of the request.
    if (then) {
      await new Promise<void>((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())))
      data[then.split('=')[0] as string] = then.split('=')[1]
    }
    res.json({ ok: true })
  })
  // What console.log(req.session) would print.
  app.get('/inspect', (req, res) => {
    res.json({ printed: inspect(req.session, { depth: 5 }) })
  })
  app.get('/session', (req, res) => {
    const { cookie: _cookie, ...fields } = req.session as unknown as Fields
    res.json(fields)
  })
  app.post('/sign-out', (req, res, next) => req.session.destroy((error) => (error ? next(error) : res.json({}))))
  app.post('/regenerate', (req, res, next) =>
    req.session.regenerate((error) => (error ? next(error) : res.json({ ok: true }))),
  )
  return app
}

interface Instance {
  store: RedisSessionStore
  url: string
  events: { conflict: unknown[]; staleSession: unknown[] }
  close(): Promise<void>
}

async function startInstance(handle: ClientHandle, prefix: string, gates: Gates, resave: boolean): Promise<Instance> {
  const store = createRedisStore({
    client: handle.client,
    prefix,
    userId: (data) => (data as unknown as Fields).userId as string | undefined,
  })
  const events = { conflict: [] as unknown[], staleSession: [] as unknown[] }
  store.on('conflict', (details) => events.conflict.push(details))
  store.on('staleSession', (details) => events.staleSession.push(details))
  const server = appInstance(store, gates, resave).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    store,
    url: `http://127.0.0.1:${port}`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** A browser: one cookie, kept from the first response that sets it. */
function browser() {
  let cookie = ''
  return {
    /**
     * Resolves to the parsed body once the response has ended: express-session sends the headers and
     * all but the last byte of the body before it saves the session, and ends the response after.
     */
    async send(url: string, method = 'POST'): Promise<Fields> {
      const response = await fetch(url, { method, headers: cookie ? { cookie } : {} })
      const set = response.headers.get('set-cookie')
      if (set) cookie = set.split(';')[0] as string
      const body = await response.text()
      if (response.status !== 200) throw new Error(`${method} ${url} answered ${response.status}: ${body}`)
      return JSON.parse(body) as Fields
    },
    get sid() {
      return decodeURIComponent(cookie.split('=')[1] ?? '')
        .slice(2)
        .split('.')[0] as string
    },
  }
}

interface Context {
  redis: ServerProcess
  handles: ClientHandle[]
  raw: ReturnType<typeof createClient>
  gates: Gates
  prefix: string
  one: Instance
  two: Instance
  instances: Instance[]
}

for (const resave of [false, true]) {
  for (const topology of [
    'one app instance',
    'two app instances on two clients',
    'two app instances on two Valkey GLIDE clients',
  ] as const) {
    const test = suite<Context>(`overlapping requests, express-session resave: ${resave}, ${topology}`)

    test.before(async (context) => {
      context.redis = await startRedis()
      context.handles =
        topology === 'two app instances on two Valkey GLIDE clients'
          ? [await connectGlide(context.redis), await connectGlide(context.redis)]
          : [await connectClient('node-redis 6', context.redis), await connectClient('ioredis 6', context.redis)]
      context.raw = createClient({ socket: { host: context.redis.host, port: context.redis.port } })
      await context.raw.connect()
    })
    test.before.each(async (context) => {
      context.gates = new Gates()
      context.prefix = uniquePrefix('cc')
      const [first, second] = context.handles as [ClientHandle, ClientHandle]
      context.one = await startInstance(first, context.prefix, context.gates, resave)
      context.two =
        topology === 'one app instance'
          ? context.one
          : await startInstance(second, context.prefix, context.gates, resave)
      context.instances = [context.one, context.two]
    })
    test.after.each(async (context) => {
      await context.one?.close()
      if (context.two !== context.one) await context.two?.close()
    })
    test.after(async (context) => {
      await context.raw?.quit()
      for (const handle of context.handles ?? []) await handle.close()
      await context.redis?.stop()
    })

    const stored = async (context: Context, sid: string) => {
      const text = await context.raw.get(`${context.prefix}${sid}`)
      return text === null ? null : (JSON.parse(text) as Fields)
    }

    /** Starts a held request: resolves once its handler has loaded the session and waits at the gate. */
    async function held(context: Context, agent: ReturnType<typeof browser>, instance: Instance, query: string) {
      const name = `${Math.random()}`
      const response = agent.send(`${instance.url}/change?hold=${name}&${query}`)
      response.catch(() => {})
      await context.gates.arrived(name)
      return {
        release: () => {
          context.gates.open(name)
          return response
        },
      }
    }

    /**
     * Signs a browser in as ada (and makes the `before` change, if any), holds `first` open on instance one and
     * `second` on instance two, then releases them, the first first unless told otherwise.
     */
    async function overlapping(
      context: Context,
      {
        first,
        second,
        before,
        secondFirst = false,
      }: { first: string; second: string; before?: string; secondFirst?: boolean },
    ) {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      if (before) await agent.send(`${context.one.url}/change?${before}`)
      const held1 = await held(context, agent, context.one, first)
      const held2 = await held(context, agent, context.two, second)
      for (const request of secondFirst ? [held2, held1] : [held1, held2]) await request.release()
      return agent
    }

    for (const [label, query] of [
      ['unmodified', ''],
      ['modified', 'set=note=late'],
    ] as const) {
      test(`a ${label} request held open while its session is destroyed does not bring it back`, async (context) => {
        const agent = browser()
        await agent.send(`${context.one.url}/sign-in/ada`)
        const slow = await held(context, agent, context.one, query)
        await agent.send(`${context.two.url}/sign-out`)
        assert.is(await stored(context, agent.sid), null)
        await slow.release()
        assert.is(await stored(context, agent.sid), null, 'the slow request wrote the destroyed session back')
        assert.equal(await context.one.store.userSessions('ada'), [])
        const signedOut = await agent.send(`${context.two.url}/session`, 'GET')
        assert.equal(signedOut, {})
      })

      test(`a ${label} request held open while its user's sessions are revoked stays revoked`, async (context) => {
        const agent = browser()
        await agent.send(`${context.one.url}/sign-in/grace`)
        const slow = await held(context, agent, context.one, query)
        assert.is(await context.two.store.destroyUserSessions('grace'), 1)
        await slow.release()
        assert.is(await stored(context, agent.sid), null)
        // Read before userSessions(), which would prune an entry left behind.
        const indexed = await context.raw.zRange(`${userIndexPrefixFor(context.prefix)}grace`, 0, -1)
        assert.not.ok(indexed.includes(agent.sid), 'the refused save left its index entry behind')
        assert.equal(await context.two.store.userSessions('grace'), [])
        // express-session saves a modified session, and an unmodified one only with resave; else it touches.
        const operation = resave || label === 'modified' ? 'set' : 'touch'
        assert.equal(context.one.events.staleSession, [{ operation }])
      })
    }

    test('a request held open while another regenerates the session does not revive the old id', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/alan`)
      const oldSid = agent.sid
      const slow = await held(context, agent, context.one, 'set=note=late')
      await agent.send(`${context.two.url}/regenerate`)
      assert.is.not(agent.sid, oldSid)
      await slow.release()
      assert.is(await stored(context, oldSid), null)
    })

    test('two overlapping requests changing different keys both keep their change', async (context) => {
      const agent = await overlapping(context, { first: 'set=a=1', second: 'set=b=2' })
      assert.equal(await stored(context, agent.sid), {
        ...(await stored(context, agent.sid)),
        a: '1',
        b: '2',
        userId: 'ada',
      })
      assert.equal([...context.one.events.conflict, ...context.two.events.conflict], [])
    })

    test('a change deep inside a value merges with a change of another key', async (context) => {
      const agent = await overlapping(context, { first: 'push=book', second: 'set=theme=dark', secondFirst: true })
      const data = await stored(context, agent.sid)
      assert.equal(data?.cart, { items: ['book'] })
      assert.is(data?.theme, 'dark')
    })

    test('a key one request deleted stays deleted when another request changed a different key', async (context) => {
      const agent = await overlapping(context, {
        before: 'set=promo=spring',
        first: 'del=promo',
        second: 'set=theme=dark',
      })
      const data = await stored(context, agent.sid)
      assert.not.ok(data && 'promo' in data, 'the deleted key came back')
      assert.is(data?.theme, 'dark')
    })

    test('the same key changed by two requests: the later save wins, and a conflict is reported', async (context) => {
      const agent = await overlapping(context, { first: 'set=theme=light', second: 'set=theme=dark' })
      assert.is((await stored(context, agent.sid))?.theme, 'dark')
      assert.equal(context.two.events.conflict, [{ keys: ['theme'] }])
      assert.not.match(JSON.stringify(context.two.events.conflict), agent.sid)
    })

    test('five overlapping requests, each changing its own key, all keep their change, round after round', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      const writers = 5
      for (let round = 1; round <= 30; round++) {
        const requests = await Promise.all(
          Array.from({ length: writers }, (_, writer) =>
            held(context, agent, context.instances[writer % 2] as Instance, `set=w${writer}=${round}`),
          ),
        )
        // Released at once: the saves race each other.
        await Promise.all(requests.map((request) => request.release()))
        const data = await stored(context, agent.sid)
        const kept = Array.from({ length: writers }, (_, writer) => data?.[`w${writer}`])
        assert.equal(kept, Array(writers).fill(String(round)), `round ${round} lost a change`)
      }
    })

    test('a request that saves twice keeps what an overlapping request saved before its first save', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      const slow = await held(context, agent, context.one, 'set=a=1&then=b=2')
      await agent.send(`${context.two.url}/change?set=c=3`)
      await slow.release()
      const data = await stored(context, agent.sid)
      assert.equal([data?.a, data?.b, data?.c], ['1', '2', '3'])
    })

    test('forty-eight overlapping requests, each changing its own key, all keep their change', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      const writers = 48
      const requests = await Promise.all(
        Array.from({ length: writers }, (_, writer) =>
          held(context, agent, context.instances[writer % 2] as Instance, `set=w${writer}=1`),
        ),
      )
      // A page firing a few dozen requests at once: every save but one finds another's write and merges.
      await Promise.all(requests.map((request) => request.release()))
      const data = await stored(context, agent.sid)
      const kept = Array.from({ length: writers }, (_, writer) => data?.[`w${writer}`])
      assert.equal(kept, Array(writers).fill('1'))
    })

    test("a request held open while another signs the session in keeps its user's entry as long as the session", async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/change?set=visits=1`)
      const slow = await held(context, agent, context.one, 'set=note=late')
      await agent.send(`${context.two.url}/change?set=userId=grace`)
      // The slow save lands later than the sign-in, so the key's expiry moves later than the sign-in's entry.
      await new Promise((resolve) => setTimeout(resolve, 300))
      await slow.release()
      const data = await stored(context, agent.sid)
      assert.equal([data?.userId, data?.note], ['grace', 'late'])
      const score = Number(await context.raw.zScore(`${userIndexPrefixFor(context.prefix)}grace`, agent.sid))
      const expiresAt = Date.now() + (await context.raw.pTTL(`${context.prefix}${agent.sid}`))
      assert.ok(score >= expiresAt - 100, `the index entry expires ${expiresAt - score} ms before its session`)
    })

    test('a returning visitor costs one read and one write, or one read and one EXPIRE when unchanged', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      const watch = await watchCommands(context.redis)
      await agent.send(`${context.two.url}/change?set=a=1`)
      await agent.send(`${context.two.url}/change`)
      const key = `${context.prefix}${agent.sid}`
      // What the clients sent for the session's key (a script's own commands are not round trips).
      const sent = (await watch.stop()).filter((args) => args.includes(key)).map(([command]) => command)
      // Unchanged, express-session saves (resave: true) or touches (false): an EXPIRE either way.
      assert.equal(sent, ['get', 'evalsha', 'get', 'expire'])
    })

    test('console.log of the session prints neither its id nor what it was loaded from', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      await agent.send(`${context.one.url}/change?set=secretNote=loaded-text-marker`)
      const { printed } = (await agent.send(`${context.two.url}/inspect`, 'GET')) as { printed: string }
      assert.ok(printed.includes('secretNote'), printed)
      assert.not.ok(printed.includes(agent.sid), 'the session id is printed')
      assert.is(printed.split('loaded-text-marker').length, 2, 'the loaded text is printed beside the data')
    })

    test('nothing new appears in the session or in the stored JSON', async (context) => {
      const agent = browser()
      await agent.send(`${context.one.url}/sign-in/ada`)
      await agent.send(`${context.one.url}/change?set=a=1`)
      const seen = await agent.send(`${context.two.url}/session`, 'GET')
      assert.equal(Object.keys(seen).sort(), ['a', 'cart', 'userId'])
      assert.equal(Object.keys((await stored(context, agent.sid)) ?? {}).sort(), ['a', 'cart', 'cookie', 'userId'])
    })

    test.run()
  }
}
