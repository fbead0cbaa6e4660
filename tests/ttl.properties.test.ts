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

/** The instant `seconds` whole seconds after NOW, by the calendar arithmetic of Date itself. */
const secondsAfterNow = (seconds: number): Date => {
  const date = new Date(NOW)
  date.setUTCSeconds(date.getUTCSeconds() + seconds)
  return date
}

test('with cookie.expires, gives the fewest whole seconds from now that reach it, as a Date or an ISO string', () => {
  fc.assert(
    fc.property(seconds, offset, fc.boolean(), (ttl, ms, asText) => {
      const session = sessionExpiringIn(ms, asText)
      const expires = new Date(session.cookie.expires as Date | string)
      const result = ttlFor(ttl)(session, NOW)
      assert.ok(Number.isInteger(result), `${result} is not whole seconds`)
      assert.ok(secondsAfterNow(result) >= expires, `${result} s from now ends before ${expires.toISOString()}`)
      assert.ok(secondsAfterNow(result - 1) < expires, `${result - 1} s from now would already reach it`)
      assert.is(isAlive(result), expires.getTime() > NOW)
    }),
    { numRuns: 300 },
  )
})

// NOW is 2030-01-01T00:00:00.000Z; each expected value is counted by hand.
const knownExpiries: Array<[expires: string, seconds: number]> = [
  ['2030-01-01T00:00:00.001Z', 1],
  ['2030-01-01T00:00:00.999Z', 1],
  ['2030-01-01T00:00:01.000Z', 1],
  ['2030-01-01T00:00:01.001Z', 2],
  ['2030-01-01T00:01:00.000Z', 60],
  ['2030-01-01T01:00:00.000Z', 3_600],
  ['2030-01-02T00:00:00.000Z', 86_400],
  ['2030-01-31T00:00:00.500Z', 30 * 86_400 + 1],
  // 2030 is not a leap year; 2032 is.
  ['2031-01-01T00:00:00.000Z', 365 * 86_400],
  ['2033-01-01T00:00:00.000Z', (2 * 365 + 366) * 86_400],
  // The same instants written in other time zones.
  ['2030-01-01T02:00:00+01:00', 3_600],
  ['2029-12-31T23:30:00-01:00', 1_800],
]

test('with cookie.expires, gives the seconds counted by hand for known dates', () => {
  for (const [expires, expected] of knownExpiries) {
    assert.is(ttlFor(60)({ cookie: { expires } }, NOW), expected, expires)
    assert.is(ttlFor(60)({ cookie: { expires: new Date(expires) } }, NOW), expected, expires)
  }
})

test('an expiry now or in the past is not alive', () => {
  for (const expires of [
    '2030-01-01T00:00:00.000Z',
    '2029-12-31T23:59:59.999Z',
    '2029-12-31T23:59:59.000Z',
    '2000-01-01T00:00:00Z',
  ]) {
    assert.not.ok(isAlive(ttlFor(60)({ cookie: { expires } }, NOW)), expires)
  }
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

test('a ttl function wins over cookie.expires, rounded up to whole seconds', () => {
  for (const [answer, expected] of [
    [0.001, 1],
    [1, 1],
    [1.5, 2],
    [59.999, 60],
    [-0.5, 0],
    [-1.5, -1],
  ] as const) {
    assert.ok(ttlFor(() => answer)(sessionExpiringIn(86_400_000, false), NOW) === expected, String(answer))
  }
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), offset, (answer, ms) => {
      const result = ttlFor(() => answer)(sessionExpiringIn(ms, false), NOW)
      // Rounded up: the one whole number n with n - 1 < answer <= n.
      assert.ok(Number.isInteger(result) && result - 1 < answer && answer <= result, `${answer} gave ${result}`)
      assert.is(isAlive(result), answer > 0)
    }),
  )
})

test.run()
