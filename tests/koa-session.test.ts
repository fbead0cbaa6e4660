import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createEncryptedSerializer,
  createRedisStore,
  type RedisSessionStore,
  type RedisStoreOptions,
} from '../src/index.js'
import { type KoaAppOptions, koaApp, koaBrowser, listen } from './helpers/koa-app.js'
import type { ListeningApp } from './helpers/loopback.js'
import { codeOf, uniquePrefix } from './helpers/sessions.js'
import { redisFor, type SuiteRedis } from './helpers/suite-redis.js'

type Fields = Record<string, unknown>

const test = suite('koa-session on store.koa')
let redis: SuiteRedis
redisFor(test, (started) => {
  redis = started
})

const running: ListeningApp[] = []
test.after.each(async () => {
  for (const app of running.splice(0)) await app.close()
})

interface Started {
  store: RedisSessionStore
  prefix: string
  url: string
  errors: unknown[]
  stored(key: string): Promise<Fields | null>
}

/** A store on the suite's client, under a prefix of its own, and a Koa app with koa-session on `store.koa`. */
async function startKoa(
  storeOptions: Omit<RedisStoreOptions, 'client'> = {},
  appOptions: Omit<KoaAppOptions, 'store'> & { store?: (store: RedisSessionStore) => unknown } = {},
): Promise<Started> {
  const prefix = uniquePrefix('koa')
  const store = createRedisStore({ client: redis.handle.client, prefix, ...storeOptions })
  const { app, errors } = koaApp({ ...appOptions, store: appOptions.store ? appOptions.store(store) : store.koa })
  const listening = await listen(app)
  running.push(listening)
  const stored = async (key: string) => {
    const text = await redis.redis.get(prefix + key)
    return text === null ? null : (JSON.parse(text) as Fields)
  }
  return { store, prefix, url: listening.url, errors, stored }
}

test("keeps a session across requests, stored as koa-session's own data with no cookie", async () => {
  const { url, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  assert.equal((await browser.send(`${url}/session`)).body, { a: '1' })
  const data = await stored(browser.key)
  assert.equal(Object.keys(data ?? {}).sort(), ['_expire', '_maxAge', 'a'])
  assert.is(data?._maxAge, 86_400_000)
})

test('gives the key the maxAge koa-session passes to set(): its own plus 10 s, so that the key outlives the cookie', async () => {
  const { url, prefix } = await startKoa({ ttl: 5 }, { session: { maxAge: 60_000 } })
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const ttl = await redis.redis.pTTL(prefix + browser.key)
  assert.ok(ttl > 65_000 && ttl <= 70_000, `the key lives ${ttl} ms`)
})

test("takes the ttl option for maxAge 'session', and keeps koa-session's _session mark", async () => {
  const { url, prefix, stored } = await startKoa({ ttl: 123 }, { session: { maxAge: 'session' } })
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const ttl = await redis.redis.ttl(prefix + browser.key)
  assert.ok(ttl > 118 && ttl <= 123, `the key lives ${ttl} s`)
  assert.equal(await stored(browser.key), { a: '1', _session: true })
  assert.equal((await browser.send(`${url}/change?set=b=2`)).body, { a: '1', b: '2' })
})

test('passes a ttl function the Koa data, for maxAge session', async () => {
  const { url, prefix } = await startKoa(
    { ttl: (session) => ((session as unknown as Fields).a === 'long' ? 500 : 50) },
    { session: { maxAge: 'session' } },
  )
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=long`)
  assert.ok((await redis.redis.ttl(prefix + browser.key)) > 450)
})

test('writes a maxAge the application changes, and gives the key that time to live', async () => {
  const { url, prefix, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  await browser.send(`${url}/max-age/5000`)
  assert.is((await stored(browser.key))?._maxAge, 5000)
  assert.ok((await redis.redis.pTTL(prefix + browser.key)) <= 15_000)
  assert.equal((await browser.send(`${url}/session`)).body, { a: '1' })
})

test('destroys the session when the application sets ctx.session to null', async () => {
  const { url, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const key = browser.key
  await browser.send(`${url}/sign-out`)
  assert.is(await stored(key), null)
  assert.equal((await browser.send(`${url}/session`)).body, {})
})

test('regenerate destroys the old key and writes the data under the new one', async () => {
  const { url, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const before = browser.key
  await browser.send(`${url}/regenerate`)
  assert.is.not(browser.key, before)
  assert.is(await stored(before), null)
  assert.is((await stored(browser.key))?.a, '1')
})

test('a save that only renews _expire (rolling) is an EXPIRE: the stored text stays, the key lives on', async () => {
  const { url, prefix, stored } = await startKoa({}, { session: { rolling: true, maxAge: 60_000 } })
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const written = await redis.redis.get(prefix + browser.key)
  await redis.redis.pExpire(prefix + browser.key, 20_000)
  const expires = await redis.redis.calls('expire')
  await browser.send(`${url}/session`)
  assert.is(await redis.redis.get(prefix + browser.key), written, 'the unchanged session was written again')
  assert.is(await redis.redis.calls('expire'), expires + 1)
  assert.ok((await redis.redis.pTTL(prefix + browser.key)) > 60_000, 'the key was not renewed')
  assert.is((await stored(browser.key))?.a, '1')
})

test('touchAfter skips the EXPIRE of an unchanged save while the key lives long enough', async () => {
  const { url } = await startKoa({ touchAfter: 60 }, { session: { rolling: true, maxAge: 600_000 } })
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  const expires = await redis.redis.calls('expire')
  await browser.send(`${url}/session`)
  assert.is(await redis.redis.calls('expire'), expires)
})

test('a second save in the same request goes on top of the first', async () => {
  const { url, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=a=1`)
  await browser.send(`${url}/change?set=b=2&then=c=3`)
  assert.equal(await stored(browser.key).then((data) => ({ ...data, _expire: 0 })), {
    a: '1',
    b: '2',
    c: '3',
    _expire: 0,
    _maxAge: 86_400_000,
  })
})

test('keeps a field the application calls cookie', async () => {
  const { url, stored } = await startKoa()
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=cookie=yes`)
  await browser.send(`${url}/change?set=a=1`)
  assert.equal((await browser.send(`${url}/session`)).body, { cookie: 'yes', a: '1' })
  assert.is((await stored(browser.key))?.cookie, 'yes')
})

test('lists and destroys a Koa user’s sessions, but for the one kept', async () => {
  const userId = (session: unknown) => (session as Fields).userId as string | undefined
  const { url, store } = await startKoa({ userId })
  const [laptop, phone, other] = [koaBrowser(), koaBrowser(), koaBrowser()]
  for (const [browser, user] of [
    [laptop, 'ada'],
    [phone, 'ada'],
    [other, 'grace'],
  ] as const) {
    await browser.send(`${url}/sign-in/${user}`)
  }
  assert.equal((await store.koa.userSessions('ada')).sort(), [laptop.key, phone.key].sort())
  assert.is(await store.koa.destroyUserSessions('ada', { except: laptop.key }), 1)
  assert.equal((await phone.send(`${url}/session`)).body, {})
  assert.equal((await laptop.send(`${url}/session`)).body, { userId: 'ada' })
  assert.equal(await store.koa.userSessions('grace'), [other.key])
})

test('maxSessionsPerUser signs a Koa user out of the least recently active session', async () => {
  const userId = (session: unknown) => (session as Fields).userId as string | undefined
  const { url, store } = await startKoa({ userId, maxSessionsPerUser: 2 })
  const [laptop, phone, tablet] = [koaBrowser(), koaBrowser(), koaBrowser()]
  await laptop.send(`${url}/sign-in/ada`)
  await phone.send(`${url}/sign-in/ada`)
  // The laptop is used again (koa-session saves what changed): the phone is now the least recently active.
  await laptop.send(`${url}/change?set=a=1`)
  await tablet.send(`${url}/sign-in/ada`)
  assert.equal((await phone.send(`${url}/session`)).body, {})
  assert.equal((await laptop.send(`${url}/session`)).body, { userId: 'ada', a: '1' })
  assert.equal((await store.koa.userSessions('ada')).sort(), [laptop.key, tablet.key].sort())
})

test('encrypts Koa sessions with createEncryptedSerializer', async () => {
  const serializer = createEncryptedSerializer({ secrets: ['a koa test secret of some length'] })
  const { url, prefix } = await startKoa({ serializer })
  const browser = koaBrowser()
  await browser.send(`${url}/change?set=card=4111`)
  const text = (await redis.redis.get(prefix + browser.key)) ?? ''
  assert.not.ok(text.includes('4111') || text.includes('_expire'), 'the session is in clear text')
  assert.equal((await browser.send(`${url}/change?set=a=1`)).body, { card: '4111', a: '1' })
})

test('with hashSessionIds no key holds the session key, and the user index lists hashed ids', async () => {
  const userId = (session: unknown) => (session as Fields).userId as string | undefined
  const { url, store } = await startKoa({ hashSessionIds: true, userId })
  const browser = koaBrowser()
  await browser.send(`${url}/sign-in/ada`)
  await browser.send(`${url}/change?set=a=1`)
  assert.ok(browser.key.length > 0)
  assert.not.ok((await redis.redis.keys()).some((key) => key.includes(browser.key)))
  assert.equal((await browser.send(`${url}/session`)).body, { userId: 'ada', a: '1' })
  const [listed] = await store.koa.userSessions('ada')
  assert.ok(listed?.startsWith('~'))
})

test('reads what another Koa store wrote as JSON, and reads a value that is no Koa session as none', async () => {
  const { store, prefix } = await startKoa()
  const expire = Date.now() + 60_000
  await redis.redis.set(`${prefix}k1`, JSON.stringify({ a: 'x', _expire: expire, _maxAge: 60_000 }))
  assert.equal(await store.koa.get('k1'), { a: 'x', _expire: expire, _maxAge: 60_000 })
  const corrupt: unknown[] = []
  store.on('corruptSession', (error) => corrupt.push(error))
  for (const [i, text] of ['[1]', '"text"', JSON.stringify({ a: 1, _expire: 'soon' })].entries()) {
    await redis.redis.set(`${prefix}bad${i}`, text)
    assert.is(await store.koa.get(`bad${i}`), null)
  }
  assert.equal(corrupt.map(codeOf), ['ERR_SESSION_DECODE', 'ERR_SESSION_DECODE', 'ERR_SESSION_DECODE'])
})

test('refuses bad Koa sessions and maxAges with errors that name them', async () => {
  const { store } = await startKoa()
  for (const [session, maxAge] of [
    [null, 1000],
    [{ _expire: 'soon' }, 1000],
    [{ a: 1 }, '10s'],
  ] as const) {
    try {
      await store.koa.set('k', session as never, maxAge as never)
      assert.unreachable('set() accepted it')
    } catch (error) {
      assert.instance(error, TypeError)
      assert.match((error as Error).message, /^redis-session-store: (a Koa session|koa-session's maxAge)/)
    }
  }
})

test("the store itself refuses koa-session's arguments, naming store.koa, and writes nothing", async () => {
  const { url, errors, prefix } = await startKoa({}, { store: (store) => store })
  const browser = koaBrowser()
  assert.is((await browser.send(`${url}/change?set=a=1`)).status, 500)
  assert.match((errors[0] as Error).message, 'session({ store: store.koa }, app)')
  assert.is(await redis.redis.get(prefix + browser.key), null)
})

test.run()
