import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { Gates } from './helpers/gates.js'
import { type Inspector, standaloneInspector } from './helpers/inspector.js'
import { koaApp, koaBrowser, listen } from './helpers/koa-app.js'
import type { ListeningApp } from './helpers/loopback.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

/**
 * koa-session requests held open inside their handlers, after their session was loaded, while another request (on
 * this app instance or another, on its own client) or a direct store call acts; then released.
 */

type Fields = Record<string, unknown>
type Browser = ReturnType<typeof koaBrowser>

interface Instance extends ListeningApp {
  store: RedisSessionStore
  events: { conflict: unknown[]; staleSession: unknown[] }
}

async function startInstance(handle: ClientHandle, prefix: string, gates: Gates, rolling: boolean): Promise<Instance> {
  const store = createRedisStore({
    client: handle.client,
    prefix,
    userId: (data) => (data as unknown as Fields).userId as string | undefined,
  })
  const events = { conflict: [] as unknown[], staleSession: [] as unknown[] }
  store.on('conflict', (details) => events.conflict.push(details))
  store.on('staleSession', (details) => events.staleSession.push(details))
  return { ...(await listen(koaApp({ store: store.koa, gates, session: { rolling } }).app)), store, events }
}

interface Context {
  redis: ServerProcess
  handles: ClientHandle[]
  raw: Inspector
  gates: Gates
  prefix: string
  one: Instance
  two: Instance
}

// With rolling, koa-session saves every request, the unmodified ones too (only _expire changed).
for (const rolling of [false, true])
  for (const topology of ['one app instance', 'two app instances on two clients'] as const) {
    const test = suite<Context>(`overlapping koa-session requests, rolling: ${rolling}, ${topology}`)

    test.before(async (context) => {
      context.redis = await startRedis()
      context.handles = [
        await connectClient('node-redis 6', context.redis),
        await connectClient('ioredis 6', context.redis),
      ]
      context.raw = await standaloneInspector(context.redis)
    })
    test.before.each(async (context) => {
      context.gates = new Gates()
      context.prefix = uniquePrefix('koacc')
      const [first, second] = context.handles as [ClientHandle, ClientHandle]
      context.one = await startInstance(first, context.prefix, context.gates, rolling)
      context.two =
        topology === 'one app instance'
          ? context.one
          : await startInstance(second, context.prefix, context.gates, rolling)
    })
    test.after.each(async (context) => {
      await context.one?.close()
      if (context.two !== context.one) await context.two?.close()
    })
    test.after(async (context) => {
      await context.raw?.close()
      for (const handle of context.handles ?? []) await handle.close()
      await context.redis?.stop()
    })

    const stored = async (context: Context, key: string) => {
      const text = await context.raw.get(`${context.prefix}${key}`)
      return text === null ? null : (JSON.parse(text) as Fields)
    }

    /** Starts a held request: resolves once its handler has loaded the session and waits at the gate. */
    async function held(context: Context, browser: Browser, instance: Instance, query: string) {
      const name = `${Math.random()}`
      const response = browser.send(`${instance.url}/change?hold=${name}&${query}`)
      response.catch(() => {})
      await context.gates.arrived(name)
      return {
        release: async () => {
          context.gates.open(name)
          const reply = await response
          if (reply.status !== 200) throw new Error(`the held request answered ${reply.status}: ${reply.text}`)
          return reply
        },
      }
    }

    for (const [label, query] of [
      ['an unmodified', ''],
      ['a modified', 'set=note=late'],
    ] as const) {
      test(`${label} request held open while the user signs out does not bring the session back`, async (context) => {
        const browser = koaBrowser()
        await browser.send(`${context.one.url}/sign-in/ada`)
        const key = browser.key
        const slow = await held(context, browser, context.one, query)
        await browser.send(`${context.two.url}/sign-out`)
        assert.is(await stored(context, key), null)
        await slow.release()
        assert.is(await stored(context, key), null, 'the slow request wrote the destroyed session back')
        assert.equal(await context.one.store.koa.userSessions('ada'), [])
        if (label === 'a modified') assert.equal(context.one.events.staleSession, [{ operation: 'set' }])
      })

      test(`${label} request held open while the user's sessions are revoked stays revoked`, async (context) => {
        const browser = koaBrowser()
        await browser.send(`${context.one.url}/sign-in/grace`)
        const slow = await held(context, browser, context.one, query)
        assert.is(await context.two.store.koa.destroyUserSessions('grace'), 1)
        await slow.release()
        assert.is(await stored(context, browser.key), null)
        const indexed = await context.raw.zRange(`${userIndexPrefixFor(context.prefix)}grace`, 0, -1)
        assert.not.ok(indexed.includes(browser.key), 'the refused save left its index entry behind')
      })
    }

    test('three overlapping requests, each changing a different key, keep all three changes', async (context) => {
      const browser = koaBrowser()
      await browser.send(`${context.one.url}/sign-in/ada`)
      const first = await held(context, browser, context.one, 'set=a=1')
      const second = await held(context, browser, context.two, 'set=b=2')
      const third = await held(context, browser, context.one, 'set=c=3&del=userId')
      for (const request of [second, third, first]) await request.release()
      const { _expire, _maxAge, ...fields } = (await stored(context, browser.key)) ?? {}
      assert.equal(fields, { a: '1', b: '2', c: '3' })
      assert.equal((await browser.send(`${context.two.url}/session`)).body, { a: '1', b: '2', c: '3' })
      assert.equal([...context.one.events.conflict, ...context.two.events.conflict], [])
    })

    test('two overlapping requests changing the same key: the later save wins it, reported as a conflict', async (context) => {
      const browser = koaBrowser()
      await browser.send(`${context.one.url}/sign-in/ada`)
      const first = await held(context, browser, context.one, 'set=plan=basic')
      const second = await held(context, browser, context.two, 'set=plan=pro')
      await second.release()
      await first.release()
      assert.is((await stored(context, browser.key))?.plan, 'basic')
      assert.equal(context.one.events.conflict, [{ keys: ['plan'] }])
    })

    test.run()
  }
