import { createDecipheriv, scryptSync } from 'node:crypto'
import type session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createEncryptedSerializer,
  createRedisStore,
  type EncryptedSerializerOptions,
  type Serializer,
} from '../src/index.js'
import { signInApp, visit } from './helpers/express-app.js'
import type { Inspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { codeOf, sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

const SECRET = 'migration test: a secret of at least 32 chars'
// Each secret costs one scrypt derivation per serializer: the serializers are made once.
const strict = createEncryptedSerializer({ secrets: [SECRET] })
const migrating = createEncryptedSerializer({ secrets: [SECRET], acceptUnencrypted: true })
const writingV2 = createEncryptedSerializer({ secrets: [SECRET], writeFormat: 'v2' })
const writingUnencrypted = createEncryptedSerializer({
  secrets: [SECRET],
  acceptUnencrypted: true,
  writeFormat: 'unencrypted',
})

let client: NodeRedisClient
let redis: Inspector
// Both suites on one server; the last one stops it.
const server = sharedServer(startRedis)

const storeOn = (prefix: string, serializer?: Serializer) =>
  createRedisStore({ client, prefix, ...(serializer ? { serializer } : {}) })

const options = suite('createEncryptedSerializer writeFormat and acceptUnencrypted options')

options('refuses a writeFormat it cannot write and an acceptUnencrypted that is not a boolean, naming them', () => {
  for (const [given, name] of [
    [{ writeFormat: 'v3' }, 'writeFormat'],
    [{ writeFormat: 2 }, 'writeFormat'],
    [{ acceptUnencrypted: 'yes' }, 'acceptUnencrypted'],
    [{ writeFormat: 'unencrypted' }, 'writeFormat'],
  ] as const) {
    assert.throws(
      () => createEncryptedSerializer({ secrets: [SECRET], ...(given as object) } as EncryptedSerializerOptions),
      (error: unknown) => error instanceof TypeError && error.message.includes(`"${name}"`),
    )
  }
})

options('refuses an option it does not know, such as a misspelt acceptUnencrypted, naming it', () => {
  assert.throws(
    () => createEncryptedSerializer({ secrets: [SECRET], acceptPlaintext: true } as never),
    (error: unknown) => error instanceof TypeError && error.message.includes('"acceptPlaintext"'),
  )
})

options.run()

const plaintext = suite('turning encryption on with acceptUnencrypted')
redisFor(plaintext, { server }, (started) => ({ nodeRedis: client, redis } = started))

plaintext('reads a session stored before encryption, and encrypts it at its next touch', async () => {
  const prefix = uniquePrefix('plain')
  await storeOn(prefix).set('before', sessionFor({ user: 'ada' }))
  const store = storeOn(prefix, migrating)
  const loaded = await store.get('before')
  assert.equal(loaded, sessionFor({ user: 'ada' }))
  await store.touch('before', loaded as TestSession)
  assert.ok((await redis.get(`${prefix}before`))?.startsWith('v1.'))
  assert.equal(await storeOn(prefix, strict).get('before'), sessionFor({ user: 'ada' }))
})

plaintext('signs nobody out over HTTP: through the switch, and after acceptUnencrypted is turned off', async () => {
  const prefix = uniquePrefix('plain')
  const app = (serializer?: Serializer) => signInApp({ store: storeOn(prefix, serializer) as unknown as session.Store })
  const { cookie } = await visit(app(), '/login')
  assert.is((await visit(app(migrating), '/read', cookie)).body, 'ada')
  assert.is((await visit(app(strict), '/read', cookie)).body, 'ada')
})

plaintext('never hands a value tagged as encrypted that does not open to the inner serializer', async () => {
  const prefix = uniquePrefix('plain')
  const parsed: string[] = []
  const inner: Serializer = {
    stringify: (session) => JSON.stringify(session),
    parse: (text) => {
      parsed.push(text)
      return sessionFor({ user: 'planted' })
    },
  }
  const serializer = createEncryptedSerializer({ secrets: [SECRET], serializer: inner, acceptUnencrypted: true })
  const store = createRedisStore({ client, prefix, serializer, onCorruptSession: 'fail' })
  for (const text of ['v1.eyJjb29raWUiOnt9fQ', 'v2.eyJjb29raWUiOnt9fQ', 'v9.eyJjb29raWUiOnt9fQ']) {
    await redis.set(`${prefix}tagged`, text)
    assert.is(codeOf(await store.get('tagged').catch((e: unknown) => e)), 'ERR_SESSION_DECODE', text)
  }
  assert.equal(parsed, [])
})

plaintext(
  'with writeFormat unencrypted, writes what an instance without encryption reads, and reads both',
  async () => {
    const prefix = uniquePrefix('plain')
    const without = storeOn(prefix)
    const first = storeOn(prefix, writingUnencrypted)
    await without.set('a', sessionFor({ by: 'without' }))
    const read = (await first.get('a')) as TestSession
    read.by = 'first step'
    await first.set('a', read)
    await first.touch('a', read)
    assert.equal(await without.get('a'), sessionFor({ by: 'first step' }))
    await storeOn(prefix, strict).set('b', sessionFor({ by: 'encrypted' }))
    assert.equal(await first.get('b'), sessionFor({ by: 'encrypted' }))
  },
)

plaintext('turning encryption off: writeFormat unencrypted decrypts a session at its next touch', async () => {
  const prefix = uniquePrefix('plain')
  await storeOn(prefix, strict).set('off', sessionFor({ user: 'ada' }))
  const store = storeOn(prefix, writingUnencrypted)
  await store.touch('off', (await store.get('off')) as TestSession)
  assert.equal(await storeOn(prefix).get('off'), sessionFor({ user: 'ada' }))
})

plaintext('without it, a session stored before encryption still reads as no session', async () => {
  const prefix = uniquePrefix('plain')
  await storeOn(prefix).set('before', sessionFor({ user: 'ada' }))
  assert.is(await storeOn(prefix, strict).get('before'), null)
})

plaintext.run()

// The layout the previous version reads, written out independently of the package's code.
function openAsPreviousVersion(text: string, secret: string, sid: string): unknown {
  const key = scryptSync(secret, 'redis-session-store/encrypted-serializer/v1', 32, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  })
  assert.ok(text.startsWith('v1.'), text)
  const sealed = Buffer.from(text.slice(3), 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 })
  decipher.setAAD(Buffer.from(`v1\0${sid}`, 'utf8'))
  decipher.setAuthTag(sealed.subarray(sealed.length - 16))
  const opened = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()])
  return JSON.parse(opened.toString('utf8'))
}

const formats = suite('format v2 and a rolling upgrade to it')
redisFor(formats, { server }, (started) => ({ nodeRedis: client, redis } = started))

formats('writes v1 by default, in the layout the previous version reads', async () => {
  const prefix = uniquePrefix('fmt')
  await storeOn(prefix, strict).set('default', sessionFor({ user: 'ada' }))
  assert.equal(openAsPreviousVersion((await redis.get(`${prefix}default`)) ?? '', SECRET, 'default'), {
    ...sessionFor({ user: 'ada' }),
  })
})

formats('reads a value the previous version wrote', async () => {
  const prefix = uniquePrefix('fmt')
  const previous = createEncryptedSerializer({ secrets: ['previous version: a fixture secret of 32+ chars'] })
  // Written by the version before format v2, for this secret and the session id 'fixture-sid'.
  await redis.set(
    `${prefix}fixture-sid`,
    'v1.FXWSKnWDCaEDFNDTgB0zeCjDNOG7_x1j237S_6FcmArbabTmW5E2kMH7dgYQwz7hM3a61JEGusOmBUTeLVqg3gXil7NntWRzsoj7JIgggXPaG4toMYneabWQ7TfZSqH44CQjJPHc',
  )
  assert.equal(await storeOn(prefix, previous).get('fixture-sid'), sessionFor({ user: 'ada' }))
})

formats('with writeFormat v2, gives every value a salt (so a key) and a nonce of its own', async () => {
  const prefix = uniquePrefix('fmt')
  const store = storeOn(prefix, writingV2)
  const heads = { salts: new Set<string>(), nonces: new Set<string>() }
  for (let i = 0; i < 20; i++) {
    await store.set('same', sessionFor({ same: true }))
    const text = (await redis.get(`${prefix}same`)) ?? ''
    assert.ok(text.startsWith('v2.'), text)
    const sealed = Buffer.from(text.slice(3), 'base64url')
    heads.salts.add(sealed.subarray(0, 16).toString('hex'))
    heads.nonces.add(sealed.subarray(16, 28).toString('hex'))
  }
  assert.equal([heads.salts.size, heads.nonces.size], [20, 20])
  assert.equal(await store.get('same'), sessionFor({ same: true }))
})

formats(
  'in v2, detects a change to any byte of the salt, nonce, ciphertext or tag, and a copy under another id',
  async () => {
    const prefix = uniquePrefix('fmt')
    const store = storeOn(prefix, writingV2)
    const corrupt: unknown[] = []
    store.on('corruptSession', (error) => corrupt.push(error))
    await store.set('t', sessionFor({ role: 'user' }))
    const text = (await redis.get(`${prefix}t`)) ?? ''
    assert.ok(text.startsWith('v2.'), text)
    const sealed = Buffer.from(text.slice(3), 'base64url')
    const positions = [0, 15, 16, 27, 28, sealed.length - 17, sealed.length - 16, sealed.length - 1]
    for (const position of positions) {
      const altered = Buffer.from(sealed)
      altered[position] = (altered[position] ?? 0) ^ 0x01
      await redis.set(`${prefix}t`, `v2.${altered.toString('base64url')}`)
      assert.is(await store.get('t'), null, `byte ${position}`)
    }
    await redis.set(`${prefix}copy`, text)
    assert.is(await store.get('copy'), null)
    assert.is(corrupt.length, positions.length + 1)
  },
)

formats('in a mixed fleet, an instance writing v1 and one writing v2 read what the other wrote', async () => {
  const prefix = uniquePrefix('fmt')
  const old = storeOn(prefix, strict)
  const upgraded = storeOn(prefix, writingV2)
  await old.set('from-v1', sessionFor({ by: 'v1' }))
  await upgraded.set('from-v2', sessionFor({ by: 'v2' }))
  assert.equal(
    [(await redis.get(`${prefix}from-v1`))?.slice(0, 3), (await redis.get(`${prefix}from-v2`))?.slice(0, 3)],
    ['v1.', 'v2.'],
  )
  for (const store of [old, upgraded]) {
    assert.equal(await store.get('from-v1'), sessionFor({ by: 'v1' }))
    assert.equal(await store.get('from-v2'), sessionFor({ by: 'v2' }))
  }
  // Each writes its own format when it saves what the other wrote.
  const read = (await old.get('from-v2')) as TestSession
  read.by = 'v1 again'
  await old.set('from-v2', read)
  assert.ok((await redis.get(`${prefix}from-v2`))?.startsWith('v1.'))
  assert.equal(await upgraded.get('from-v2'), sessionFor({ by: 'v1 again' }))
})

formats("moves a session to the writer's format at its next touch: v1 to v2, and back (a rollback)", async () => {
  const prefix = uniquePrefix('fmt')
  const old = storeOn(prefix, strict)
  const upgraded = storeOn(prefix, writingV2)
  await old.set('moved', sessionFor({ user: 'ada' }))
  await upgraded.touch('moved', (await upgraded.get('moved')) as TestSession)
  assert.ok((await redis.get(`${prefix}moved`))?.startsWith('v2.'))
  await old.touch('moved', (await old.get('moved')) as TestSession)
  assert.ok((await redis.get(`${prefix}moved`))?.startsWith('v1.'))
  assert.equal(await upgraded.get('moved'), sessionFor({ user: 'ada' }))
})

formats.after(server.stop)

formats.run()
