import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isAlive, type SessionRecord, ttlFor } from '../src/index.js'

const test = suite('ttlFor, for any session and clock')

const NOW = Date.UTC(2030, 0, 1)
const seconds = fc.double({ min: 1e-3, max: 1e9, noNaN: true })
// Milliseconds from now to the cookie's expiry, within ±10 years.
const offset = fc.integer({ min: -315_360_000_000, max: 315_360_000_000 })
const sessionExpiringIn = (ms: number, asText: boolean): SessionRecord => {
  const date = new Date(NOW + ms)
  return { cookie: { expires: asText ? date.toISOString() : date } }
}

test('without cookie.expires, gives the ttl number', () => {
  fc.assert(
    fc.property(seconds, fc.constantFrom(undefined, null), (ttl, expires) => {
      assert.is(ttlFor(ttl)({ cookie: { expires } }, NOW), ttl)
    }),
  )
})

test('with cookie.expires, gives the whole seconds left, rounded up, as a Date or an ISO string', () => {
  fc.assert(
    fc.property(seconds, offset, fc.boolean(), (ttl, ms, asText) => {
      const result = ttlFor(ttl)(sessionExpiringIn(ms, asText), NOW)
      assert.is(result, Math.ceil(ms / 1000))
      assert.is(isAlive(result), ms > 0)
    }),
    { numRuns: 300 },
  )
})

test('a later expiry never gives fewer seconds', () => {
  fc.assert(
    fc.property(offset, offset, (a, b) => {
      const [early, late] = a <= b ? [a, b] : [b, a]
      assert.ok(ttlFor(60)(sessionExpiringIn(early, false), NOW) <= ttlFor(60)(sessionExpiringIn(late, false), NOW))
    }),
  )
})

test('an invalid expiry is never alive', () => {
  fc.assert(
    fc.property(
      fc.string().filter((text) => Number.isNaN(new Date(text).getTime())),
      seconds,
      (expires, ttl) => {
        assert.not.ok(isAlive(ttlFor(ttl)({ cookie: { expires } }, NOW)))
      },
    ),
  )
})

test('a ttl function wins over cookie.expires, rounded up', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), offset, (answer, ms) => {
      const result = ttlFor(() => answer)(sessionExpiringIn(ms, false), NOW)
      assert.is(result, Math.ceil(answer))
      assert.is(isAlive(result), Math.ceil(answer) > 0)
    }),
  )
})

test.run()
