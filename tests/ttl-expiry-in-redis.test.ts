import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

// The oracle is Redis's own: when it says the key expires (PEXPIRETIME, Unix ms by its clock, the machine's clock as
// Node's is), against the instant the cookie ends or the seconds asked for. No formula of the store's is repeated.
const test = suite('the expiry Redis gives a key, for any cookie.expires or ttl')
let client: NodeRedisClient
redisFor(test, (started) => ({ nodeRedis: client } = started))

/** When Redis says the key expires, and how long the write that set it took (the slack of any bound). */
async function expiryAfter(key: string, write: () => Promise<unknown>) {
  const started = Date.now()
  await write()
  const took = Date.now() - started
  return { at: await client.pExpireTime(key), started, took }
}

// From a second to ten years ahead, at any millisecond: most are not whole seconds away.
const aheadMs = fc.integer({ min: 1_000, max: 315_360_000_000 })

function assertEndsWithCookie(at: number, took: number, cookieEnds: number): void {
  // Never before the cookie, and less than the second that rounding up adds (plus the time the write took).
  assert.ok(at >= cookieEnds, `key ends at ${at}, ${cookieEnds - at} ms before the cookie`)
  assert.ok(at < cookieEnds + 1_000 + took, `key ends at ${at}, ${at - cookieEnds} ms after the cookie`)
}

test('set() and touch() make the key end at the cookie expiry, or less than a second after it', async () => {
  const prefix = uniquePrefix('expiry')
  const store: RedisSessionStore = createRedisStore({ client, prefix, ttl: 10 })
  await fc.assert(
    fc.asyncProperty(aheadMs, aheadMs, fc.boolean(), async (saved, touched, asText) => {
      const cookie = (ms: number) => {
        const expires = new Date(Date.now() + ms)
        return {
          ends: expires.getTime(),
          session: sessionFor({}, { expires: asText ? expires.toISOString() : expires }),
        }
      }
      const first = cookie(saved)
      const set = await expiryAfter(`${prefix}s`, () => store.set('s', first.session))
      assertEndsWithCookie(set.at, set.took, first.ends)
      const second = cookie(touched)
      const touch = await expiryAfter(`${prefix}s`, () => store.touch('s', second.session))
      assertEndsWithCookie(touch.at, touch.took, second.ends)
    }),
    { numRuns: 100 },
  )
})

test('without cookie.expires, the key lives the ttl number of seconds, or a ttl function answer rounded up', async () => {
  const prefix = uniquePrefix('expiry')
  await fc.assert(
    fc.asyncProperty(fc.double({ min: 0.001, max: 1e8, noNaN: true }), async (seconds) => {
      for (const ttl of [seconds, () => seconds]) {
        const store = createRedisStore({ client, prefix, ttl })
        const { at, started, took } = await expiryAfter(`${prefix}n`, () => store.set('n', sessionFor()))
        // At least the seconds asked for; less than one second more (rounded up to whole seconds).
        assert.ok(at >= started + seconds * 1000, `${seconds} s gave ${at - started} ms`)
        assert.ok(at < started + seconds * 1000 + 1_000 + took, `${seconds} s gave ${at - started} ms`)
      }
    }),
    { numRuns: 100 },
  )
})

test('a cookie that has ended, by a millisecond or by years, leaves no key', async () => {
  const prefix = uniquePrefix('expiry')
  const store = createRedisStore({ client, prefix })
  for (const ago of [0, 1, 999, 1_000, 86_400_000, 315_360_000_000]) {
    await client.set(`${prefix}old`, JSON.stringify(sessionFor()))
    await store.set('old', sessionFor({}, { expires: new Date(Date.now() - ago) }))
    assert.is(await client.exists(`${prefix}old`), 0, `${ago} ms ago`)
  }
})

test.run()
