import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEncryptedSerializer, createRedisStore, type RedisStoreOptions, type Serializer } from '../src/index.js'
import type { ClientHandle } from './helpers/clients.js'
import type { Inspector } from './helpers/inspector.js'
import { codeOf, sessionFor, uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

const OLD_SECRET = 'old secret: correct horse battery staple 1'
const NEW_SECRET = 'new secret: correct horse battery staple 2'
// Created once: each secret costs one scrypt derivation.
const oldOnly = createEncryptedSerializer({ secrets: [OLD_SECRET] })
const rotated = createEncryptedSerializer({ secrets: [NEW_SECRET, OLD_SECRET] })
const newOnly = createEncryptedSerializer({ secrets: [NEW_SECRET] })
const oldInV2 = createEncryptedSerializer({ secrets: [OLD_SECRET], writeFormat: 'v2' })

/** Every message and stack in an error and its causes, to search for what must not be there. */
function everythingSaidBy(error: unknown): string {
  const parts: string[] = []
  for (let e = error; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '')
  return parts.join('\n')
}

const options = suite('createEncryptedSerializer options')

options('refuses missing, empty or non-array secrets with a TypeError naming "secrets"', () => {
  for (const given of [{}, { secrets: [] }, { secrets: 'a single string that is long enough!!' }, { secrets: 42 }]) {
    assert.throws(
      () => createEncryptedSerializer(given as never),
      (error: unknown) => error instanceof TypeError && error.message.includes('"secrets"'),
    )
  }
  assert.throws(() => createEncryptedSerializer(undefined as never), TypeError)
})

options('refuses a secret that is not a string or is too short, naming it and never quoting it', () => {
  const short = 'hunter2'
  for (const [secrets, name] of [
    [[short], 'secrets[0]'],
    [[OLD_SECRET, ''], 'secrets[1]'],
    [[OLD_SECRET, 12345], 'secrets[1]'],
    [[null], 'secrets[0]'],
  ] as const) {
    let caught: unknown
    try {
      createEncryptedSerializer({ secrets: secrets as never })
    } catch (error) {
      caught = error
    }
    assert.instance(caught, TypeError)
    assert.ok((caught as Error).message.includes(`"${name}"`), (caught as Error).message)
    assert.not.ok((caught as Error).message.includes(short))
  }
})

options('says an empty secrets array is empty, and a short secret how many characters it has', () => {
  assert.throws(
    () => createEncryptedSerializer({ secrets: [] }),
    /"secrets" must be a non-empty array of strings; received an empty array$/,
  )
  assert.throws(
    () => createEncryptedSerializer({ secrets: ['abcde'] }),
    (error: unknown) =>
      error instanceof TypeError &&
      /"secrets\[0\]" .*received 5 characters$/.test(error.message) &&
      !error.message.includes('abcde'),
  )
})

options('refuses a secrets string without quoting it', () => {
  const secret = 'short secret in the wrong shape'
  assert.throws(
    () => createEncryptedSerializer({ secrets: secret as never }),
    (error: unknown) => error instanceof TypeError && !error.message.includes(secret),
  )
})

options('refuses an inner serializer without stringify and parse, naming "serializer"', () => {
  assert.throws(
    () => createEncryptedSerializer({ secrets: [OLD_SECRET], serializer: { stringify: JSON.stringify } as never }),
    (error: unknown) => error instanceof TypeError && error.message.includes('"serializer"'),
  )
})

options.run()

const stored = suite<Record<string, never>>('encrypted sessions in Redis')
let handle: ClientHandle
let redis: Inspector
redisFor(stored, (started) => ({ handle, redis } = started))

const storeWith = (serializer: Serializer, more: Partial<RedisStoreOptions> = {}) => {
  const prefix = uniquePrefix('enc')
  return { prefix, store: createRedisStore({ client: handle.client, prefix, serializer, ...more }) }
}

stored('round-trips a session through Redis as tagged text that shows neither the data nor the id', async () => {
  const { prefix, store } = storeWith(oldOnly)
  const session = sessionFor({ user: 'ada lovelace', note: 'héllo ✓ 🌍' })
  await store.set('sid-visible-nowhere', session)
  const text = (await redis.get(`${prefix}sid-visible-nowhere`)) ?? ''
  assert.ok(text.startsWith('v1.'), text)
  for (const secret of ['ada lovelace', 'héllo', 'cookie', 'sid-visible-nowhere']) assert.not.ok(text.includes(secret))
  assert.equal(await store.get('sid-visible-nowhere'), session)
})

stored('writes a fresh nonce each time: the same session never gives the same text twice', async () => {
  const { prefix, store } = storeWith(oldOnly)
  const texts = new Set<string>()
  for (let i = 0; i < 20; i++) {
    await store.set('same', sessionFor({ same: true }))
    texts.add((await redis.get(`${prefix}same`)) ?? '')
  }
  assert.is(texts.size, 20)
  const nonces = new Set(
    [...texts].map((text) => Buffer.from(text.slice(3), 'base64url').subarray(0, 12).toString('hex')),
  )
  assert.is(nonces.size, 20)
})

stored('does not decode a value copied under another session id', async () => {
  const { prefix, store } = storeWith(oldOnly, { onCorruptSession: 'fail' })
  await store.set('victim', sessionFor({ user: 'admin' }))
  await redis.set(`${prefix}attacker`, (await redis.get(`${prefix}victim`)) ?? '')
  const error = await store.get('attacker').catch((e: unknown) => e)
  assert.is(codeOf(error), 'ERR_SESSION_DECODE')
  assert.is(codeOf((error as Error).cause), 'ERR_SESSION_DECODE')
  assert.equal(await store.get('victim'), sessionFor({ user: 'admin' }))
})

stored('detects a change to any byte of the nonce, ciphertext or tag', async () => {
  const { prefix, store } = storeWith(oldOnly)
  const corrupt: unknown[] = []
  store.on('corruptSession', (error) => corrupt.push(error))
  await store.set('t', sessionFor({ role: 'user' }))
  const sealed = Buffer.from(((await redis.get(`${prefix}t`)) ?? '').slice(3), 'base64url')
  const positions = [0, 11, 12, Math.floor(sealed.length / 2), sealed.length - 16, sealed.length - 1]
  for (const position of positions) {
    const altered = Buffer.from(sealed)
    altered[position] = (altered[position] ?? 0) ^ 0x01
    await redis.set(`${prefix}t`, `v1.${altered.toString('base64url')}`)
    assert.is(await store.get('t'), null, `byte ${position}`)
  }
  assert.is(corrupt.length, positions.length)
})

stored('rejects text in another format, truncated text and plain JSON as undecodable', async () => {
  const { prefix, store } = storeWith(oldOnly, { onCorruptSession: 'fail' })
  await store.set('ok', sessionFor())
  const good = (await redis.get(`${prefix}ok`)) ?? ''
  for (const text of [
    `v9.${good.slice(3)}`,
    `v2.${good.slice(3)}`,
    good.slice(0, 20),
    'v1.',
    JSON.stringify(sessionFor()),
  ]) {
    await redis.set(`${prefix}bad`, text)
    assert.is(codeOf(await store.get('bad').catch((e: unknown) => e)), 'ERR_SESSION_DECODE', text)
  }
})

/** What base64url decoding reads as the same bytes as `body`, though the text differs. */
function sameBytesOtherText(body: string): string[] {
  const middle = Math.floor(body.length / 2)
  const variants = ['!', '.', ' ', '\n'].map((inserted) => body.slice(0, middle) + inserted + body.slice(middle))
  variants.push(`${body}=`, `${body}==`, body.replace(/-/g, '+').replace(/_/g, '/'))
  // The unused low bits of the last character (the body's bytes are not a multiple of three).
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const bytes = Buffer.from(body, 'base64url')
  const lastChanged = [...alphabet]
    .map((last) => body.slice(0, -1) + last)
    .find((text) => text !== body && Buffer.from(text, 'base64url').equals(bytes))
  if (lastChanged) variants.push(lastChanged)
  return variants
}

stored('does not open text altered in ways base64url decoding ignores, in either format', async () => {
  for (const [serializer, format] of [
    [oldOnly, 'v1.'],
    [oldInV2, 'v2.'],
  ] as const) {
    const { prefix, store } = storeWith(serializer)
    const corrupt: unknown[] = []
    store.on('corruptSession', (error) => corrupt.push(error))
    // Text with a `-` or `_` (for their standard-alphabet twins) and a sealed length that is not a multiple
    // of three (so that the last character has unused bits): a few writes find one.
    let text = ''
    for (let padding = ''; !text || (text.length - 3) % 4 === 0 || !/[-_]/.test(text.slice(3)); padding += 'x') {
      await store.set('t', sessionFor({ role: 'user', padding }))
      text = (await redis.get(`${prefix}t`)) ?? ''
    }
    const [tag, body] = [text.slice(0, 3), text.slice(3)]
    assert.is(tag, format)
    const variants = sameBytesOtherText(body)
    assert.is(variants.length, 8)
    for (const variant of variants) {
      assert.ok(variant !== body && Buffer.from(variant, 'base64url').equals(Buffer.from(body, 'base64url')), variant)
      await redis.set(`${prefix}t`, tag + variant)
      assert.is(await store.get('t'), null, `${tag} ${JSON.stringify(variant)}`)
    }
    assert.is(corrupt.length, variants.length)
  }
})

stored('rotates: secrets[0] encrypts, every secret decrypts, a dropped secret no longer does', async () => {
  const before = storeWith(oldOnly)
  await before.store.set('u', sessionFor({ written: 'with the old secret' }))
  const during = createRedisStore({ client: handle.client, prefix: before.prefix, serializer: rotated })
  assert.equal(await during.get('u'), sessionFor({ written: 'with the old secret' }))
  await during.set('u', sessionFor({ written: 'with the new secret' }))
  assert.is(await before.store.get('u'), null)
  const after = createRedisStore({ client: handle.client, prefix: before.prefix, serializer: newOnly })
  assert.equal(await after.get('u'), sessionFor({ written: 'with the new secret' }))
  await before.store.set('v', sessionFor())
  assert.is(await after.get('v'), null)
})

stored('says nothing secret in its errors: no secret, no session id, no session data', async () => {
  const { prefix, store } = storeWith(
    createEncryptedSerializer({
      secrets: [OLD_SECRET],
      serializer: { stringify: (session) => JSON.stringify(session), parse: (text) => JSON.parse(`${text}}`) },
    }),
    { onCorruptSession: 'fail' },
  )
  const sid = 'the-session-id-4242'
  await store.set(sid, sessionFor({ password: 'p4ssw0rd-plaintext' }))
  const errors = [await store.get(sid).catch((e: unknown) => e)]
  await store.set(sid, sessionFor({ password: 'p4ssw0rd-plaintext' }))
  await redis.set(`${prefix}other-id-4343`, (await redis.get(`${prefix}${sid}`)) ?? '')
  errors.push(await store.get('other-id-4343').catch((e: unknown) => e))
  const circular = sessionFor({ password: 'p4ssw0rd-plaintext' })
  circular.self = circular
  errors.push(await store.set(sid, circular).catch((e: unknown) => e))
  for (const error of errors) {
    assert.instance(error, Error)
    const said = everythingSaidBy(error)
    for (const secret of [OLD_SECRET, sid, 'other-id-4343', 'p4ssw0rd-plaintext', 'password']) {
      assert.not.ok(said.includes(secret), `${secret} in ${said}`)
    }
  }
})

stored('hands the session id to an inner serializer and keeps its format inside the envelope', async () => {
  const seen: string[] = []
  const inner: Serializer = {
    stringify: (session, sid) => {
      seen.push(`stringify ${sid}`)
      return JSON.stringify({ wrapped: session })
    },
    parse: async (text, sid) => {
      seen.push(`parse ${sid}`)
      return (JSON.parse(text) as { wrapped: unknown }).wrapped
    },
  }
  const { store } = storeWith(createEncryptedSerializer({ secrets: [OLD_SECRET], serializer: inner }))
  await store.set('in', sessionFor({ n: 1 }))
  assert.equal(await store.get('in'), sessionFor({ n: 1 }))
  assert.equal(seen, ['stringify in', 'parse in'])
})

stored.run()
