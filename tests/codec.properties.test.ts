import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEncryptedSerializer, decode, encode, jsonSerializer, type SessionRecord } from '../src/index.js'
import { arbitrarySession, jsonCopy, unicodeJson } from './helpers/arbitrary-session.js'
import { codeOf } from './helpers/sessions.js'

const fromJson = decode(jsonSerializer)
const toJson = encode(jsonSerializer)

const json = suite('encode and decode with JSON, for any input')

json('decode(encode(session)) is the session, as JSON sees it', async () => {
  await fc.assert(
    fc.asyncProperty(arbitrarySession(), fc.string(), async (session, sid) => {
      assert.equal(await fromJson(toJson(session, sid), sid), jsonCopy(session))
    }),
    { numRuns: 200 },
  )
})

json('decode of any text gives a session with a cookie object, or an ERR_SESSION_DECODE error', async () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.jsonValue().map((value) => JSON.stringify(value)),
  )
  await fc.assert(
    fc.asyncProperty(anyText, async (text) => {
      const outcome = await fromJson(text, 'sid').then(
        (session) => ({ session }),
        (error: unknown) => ({ error }),
      )
      if ('error' in outcome) assert.is(codeOf(outcome.error), 'ERR_SESSION_DECODE')
      else {
        const cookie = (outcome.session as { cookie?: unknown }).cookie
        assert.ok(typeof cookie === 'object' && cookie !== null && !Array.isArray(cookie))
      }
    }),
    { numRuns: 500 },
  )
})

json('decode refuses any JSON value that is not an object with a cookie object', async () => {
  const notAnObject = unicodeJson().filter(
    (value) => typeof value !== 'object' || value === null || Array.isArray(value),
  )
  const notACookie = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(unicodeJson(2)))
  const notASession = fc.oneof(
    notAnObject,
    fc.dictionary(
      fc.string().filter((key) => key !== 'cookie'),
      unicodeJson(2),
    ),
    fc.tuple(fc.dictionary(fc.string(), unicodeJson(2)), notACookie).map(([fields, cookie]) => ({ ...fields, cookie })),
    fc
      .constantFrom('maxAge', 'originalMaxAge')
      .chain((field) =>
        fc
          .oneof(fc.string(), fc.boolean(), fc.dictionary(fc.string(), fc.string()))
          .map((wrong) => ({ cookie: { [field]: wrong } })),
      ),
  )
  await fc.assert(
    fc.asyncProperty(notASession, async (value) => {
      const error = await fromJson(JSON.stringify(value), 'sid').catch((e: unknown) => e)
      assert.is(codeOf(error), 'ERR_SESSION_DECODE', JSON.stringify(value))
    }),
    { numRuns: 300 },
  )
})

json('decode reads a cookie.expires text as a date exactly when Date.parse does', async () => {
  const field = (most: number, width = 2) =>
    fc.integer({ min: 0, max: most }).map((n) => String(n).padStart(width, '0'))
  // toISOString's shape with each field up to one past its range (a month 13, a day 00, an hour 24, a minute 60),
  // real dates, and any text at all.
  const isoShaped = fc
    .tuple(field(9999, 4), field(13), field(32), field(24), field(60), field(60), field(999, 3))
    .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`)
  const realDate = fc.date({ noInvalidDate: true }).map((date) => date.toISOString())
  const expires = fc.oneof(isoShaped, realDate, fc.string())
  await fc.assert(
    fc.asyncProperty(expires, async (text) => {
      const read = await fromJson(JSON.stringify({ cookie: { expires: text } }), 'sid').then(
        () => true,
        () => false,
      )
      assert.is(read, !Number.isNaN(Date.parse(text)), text)
    }),
    { numRuns: 2000 },
  )
})

json.run()

const encrypted = suite('encode and decode with the encrypted serializer, for any input')
const serializer = createEncryptedSerializer({ secrets: ['a secret for property tests, 32+ chars long'] })
const seal = encode(serializer)
const open = decode(serializer)
const sessionId = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })

encrypted('decode(encode(session, sid), sid) is the session', async () => {
  await fc.assert(
    fc.asyncProperty(arbitrarySession(), sessionId, async (session, sid) => {
      assert.equal(await open(seal(session, sid), sid), jsonCopy(session))
    }),
    { numRuns: 100 },
  )
})

encrypted('decoding under any other session id fails', async () => {
  await fc.assert(
    fc.asyncProperty(arbitrarySession(), sessionId, sessionId, async (session, sid, otherSid) => {
      fc.pre(sid !== otherSid)
      const error = await open(seal(session, sid), otherSid).catch((e: unknown) => e)
      assert.is(codeOf(error), 'ERR_SESSION_DECODE')
    }),
    { numRuns: 100 },
  )
})

encrypted('any change to one character of the stored text is detected', async () => {
  const session: SessionRecord = { cookie: { originalMaxAge: null } }
  const text = seal(session, 'sid')
  const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  await fc.assert(
    fc.asyncProperty(fc.nat(text.length - 1), fc.constantFrom(...BASE64URL, '.', '1', '2'), async (i, c) => {
      const altered = text.slice(0, i) + c + text.slice(i + 1)
      // The last base64url character carries spare bits: a change there may decode to the same bytes.
      const sameBytes = Buffer.from(altered.slice(3), 'base64url').equals(Buffer.from(text.slice(3), 'base64url'))
      fc.pre(altered.slice(0, 3) !== text.slice(0, 3) || !sameBytes)
      const error = await open(altered, 'sid').catch((e: unknown) => e)
      assert.is(codeOf(error), 'ERR_SESSION_DECODE')
    }),
    { numRuns: 300 },
  )
})

encrypted.run()
