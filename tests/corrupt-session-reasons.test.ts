import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEncryptedSerializer, createRedisStore, type Serializer } from '../src/index.js'
import { codeOf, sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor, type SuiteRedis } from './helpers/suite-redis.js'

// 'corruptSession' listeners log error.message: it must say why the value is unreadable, and hold neither the
// stored data nor the session id.
const test = suite("the corruptSession event's message says why, never what")
let redis: SuiteRedis
redisFor(test, (started) => {
  redis = started
})

const SID = 'the-session-id-4Xq9'
const DATA = 'hunter2-private-data'
const writer = createEncryptedSerializer({ secrets: ['the secret the value was written with, 32+ chars'] })
const reader = createEncryptedSerializer({ secrets: ['the secret the reader has, another one, 32+ chars'] })

/** The message of the 'corruptSession' event get() emits for a stored text, read through the serializer. */
async function reportedFor(text: string, serializer?: Serializer): Promise<string> {
  const prefix = uniquePrefix('reason')
  const store = createRedisStore({ client: redis.handle.client, prefix, ...(serializer ? { serializer } : {}) })
  const reported: unknown[] = []
  store.on('corruptSession', (error) => reported.push(error))
  await redis.nodeRedis.set(prefix + SID, text)
  assert.is(await store.get(SID), null, 'a miss')
  assert.is(reported.length, 1)
  assert.is(codeOf(reported[0]), 'ERR_SESSION_DECODE')
  const { message } = reported[0] as Error
  assert.not.ok(message.includes(DATA) || message.includes(SID), message)
  return message
}

const sealed = (serializer: Serializer) => serializer.stringify(sessionFor({ secret: DATA }), SID)

test('text that is not JSON', async () => {
  assert.match(
    await reportedFor(`{"cookie":{},"x":"${DATA}"`),
    /could not be parsed: the stored text \(\d+ characters\) is not valid JSON/,
  )
})

test('encrypted with a secret the reader does not have', async () => {
  assert.match(
    await reportedFor(sealed(writer), reader),
    /could not be parsed: .*failed authentication.*a secret not in `secrets`/,
  )
})

test('an encrypted value that was altered', async () => {
  const text = sealed(writer)
  const altered = text.slice(0, -4) + (text.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  assert.match(await reportedFor(altered, writer), /could not be parsed: .*failed authentication: it was altered/)
})

test('a cookie field of the wrong type, named with its type and not its value', async () => {
  const stored = JSON.stringify({ cookie: { originalMaxAge: null, maxAge: DATA }, note: DATA })
  assert.match(await reportedFor(stored), /not a session: its cookie\.maxAge is a string, not a number/)
  assert.match(await reportedFor(JSON.stringify({ user: DATA })), /not a session: it has no cookie/)
  assert.match(await reportedFor(JSON.stringify([DATA])), /not a session: it is an array, not an object/)
})

test("a custom serializer's error by its kind only, since its message may quote the data", async () => {
  const quoting: Serializer = {
    stringify: (session) => JSON.stringify(session),
    parse: (text) => {
      throw new RangeError(`cannot read ${text}`)
    },
  }
  assert.match(await reportedFor(`{"x":"${DATA}"}`, quoting), /could not be parsed: the serializer threw a RangeError/)
})

test.run()
