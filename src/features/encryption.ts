import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { isSerializer, isThenable, jsonSerializer, type Serializer } from '../helpers/codec.js'
import { describe, storeError } from '../helpers/errors.js'
import type { SessionRecord } from '../helpers/session.js'

export interface EncryptedSerializerOptions {
  /**
   * At least one secret of at least 32 characters. The first encrypts; every one of them decrypts,
   * so that a new secret can be put first while sessions written with the old ones still read.
   */
  secrets: readonly string[]
  /** What turns the session into the plaintext that is encrypted, and back. Default JSON. */
  serializer?: Serializer
}

const MIN_SECRET_LENGTH = 32

// The stored text is `v1.` followed by base64url(nonce | ciphertext | tag); a new format gets a new tag.
const FORMAT = 'v1'
const TAG_PREFIX = `${FORMAT}.`
const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const AUTH_TAG_BYTES = 16

// scrypt rather than HKDF: secrets are often typed by people, and a stolen Redis dump lets an attacker
// test guesses offline against the ciphertexts; scrypt makes each guess cost ~32 MiB and tens of ms.
// It runs once per secret, when the serializer is created.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const
// A fixed salt ties the keys to this use; secrets should already be unique to each application.
const SALT = 'redis-session-store/encrypted-serializer/v1'

/**
 * A serializer for the store's `serializer` option that encrypts each session with AES-256-GCM:
 * a fresh random nonce per write, the session id bound as associated data (a value copied under
 * another session's key does not decode), and tampering detected. Errors never contain a secret,
 * a key, the session id or the session's contents.
 */
export function createEncryptedSerializer(options: EncryptedSerializerOptions): Serializer {
  const given: Partial<EncryptedSerializerOptions> = typeof options === 'object' && options !== null ? options : {}
  const secrets = secretsOption(given.secrets)
  const inner = innerSerializerOption(given.serializer)
  const keys = secrets.map(deriveKey)
  const [encryptionKey] = keys as [Buffer, ...Buffer[]]

  return {
    stringify(session: SessionRecord, sid: string): string {
      const plaintext = Buffer.from(innerStringify(inner, session, sid), 'utf8')
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv(ALGORITHM, encryptionKey, nonce, { authTagLength: AUTH_TAG_BYTES })
      cipher.setAAD(associatedData(sid))
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
      return TAG_PREFIX + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url')
    },
    parse(text: string, sid: string): unknown {
      const plaintext = decrypt(keys, text, sid)
      let parsed: unknown
      try {
        parsed = inner.parse(plaintext, sid)
      } catch (cause) {
        throw innerParseError(cause)
      }
      return isThenable(parsed)
        ? Promise.resolve(parsed).catch((cause: unknown) => Promise.reject(innerParseError(cause)))
        : parsed
    },
  }
}

function decrypt(keys: readonly Buffer[], text: string, sid: string): string {
  if (typeof text !== 'string' || !text.startsWith(TAG_PREFIX)) {
    throw storeError('ERR_SESSION_DECODE', `the stored value is not in the encrypted format "${FORMAT}"`)
  }
  const sealed = Buffer.from(text.slice(TAG_PREFIX.length), 'base64url')
  if (sealed.length < NONCE_BYTES + AUTH_TAG_BYTES) {
    throw storeError('ERR_SESSION_DECODE', 'the stored encrypted value is too short')
  }
  const nonce = sealed.subarray(0, NONCE_BYTES)
  const ciphertext = sealed.subarray(NONCE_BYTES, sealed.length - AUTH_TAG_BYTES)
  const authTag = sealed.subarray(sealed.length - AUTH_TAG_BYTES)
  for (const key of keys) {
    const plaintext = openWith(key, nonce, ciphertext, authTag, sid)
    if (plaintext !== undefined) return plaintext
  }
  throw storeError(
    'ERR_SESSION_DECODE',
    'the stored session failed authentication: it was altered, copied from another session, or encrypted with a secret not in `secrets`',
  )
}

// GCM checks the tag in final(): a wrong key, a changed byte or another session id all fail there.
function openWith(key: Buffer, nonce: Buffer, ciphertext: Buffer, authTag: Buffer, sid: string): string | undefined {
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: AUTH_TAG_BYTES })
  decipher.setAAD(associatedData(sid))
  decipher.setAuthTag(authTag)
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

// The format is authenticated too, so that a later format cannot be passed off as this one.
const associatedData = (sid: string) => Buffer.from(`${FORMAT}\0${sid}`, 'utf8')

const deriveKey = (secret: string): Buffer => scryptSync(secret, SALT, KEY_BYTES, SCRYPT)

function innerStringify(inner: Serializer, session: SessionRecord, sid: string): string {
  let text: unknown
  try {
    text = inner.stringify(session, sid)
  } catch (cause) {
    // As when parsing: what the inner serializer says may quote the session, so only its kind is kept.
    throw storeError('ERR_SESSION_ENCODE', `the session could not be serialized (${errorKind(cause)})`)
  }
  if (typeof text !== 'string') {
    throw storeError('ERR_SESSION_ENCODE', `the inner serializer returned ${typeof text} instead of a string`)
  }
  return text
}

// The inner parser's message may quote the plaintext (JSON.parse does), so only the error's kind is kept.
const innerParseError = (cause: unknown) =>
  storeError('ERR_SESSION_DECODE', `the decrypted session could not be parsed (${errorKind(cause)})`)

const errorKind = (error: unknown) => (error instanceof Error ? error.name : typeof error)

function secretsOption(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    // A lone string here is most likely the secret itself: its length is all the message may say.
    const received = typeof value === 'string' ? `a string of length ${value.length}` : describe(value)
    throw optionsError('secrets', `a non-empty array of strings; received ${received}`)
  }
  return value.map((secret: unknown, i) => {
    const name = `secrets[${i}]`
    // Never describe() a secret: it would print a short one in the message.
    if (typeof secret !== 'string') throw optionsError(name, `a string; received ${typeof secret}`)
    if (secret.length < MIN_SECRET_LENGTH) {
      throw optionsError(
        name,
        `at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`); received ${secret.length}`,
      )
    }
    return secret
  })
}

const optionsError = (name: string, expected: string) =>
  new TypeError(`redis-session-store: createEncryptedSerializer option "${name}" must be ${expected}`)

function innerSerializerOption(value: unknown): Serializer {
  if (value === undefined) return jsonSerializer
  if (!isSerializer(value)) {
    throw optionsError('serializer', `an object with stringify and parse methods; received ${describe(value)}`)
  }
  return value
}
