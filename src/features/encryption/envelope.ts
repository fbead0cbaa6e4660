import { createCipheriv, createDecipheriv, hkdfSync, type KeyObject, randomBytes } from 'node:crypto'
import { storeError } from '../../helpers/errors.js'
import { canonicalBase64url } from './canonical-base64url.js'

/**
 * The stored text is a format tag, a dot, and base64url of the sealed bytes:
 * - `v1`: nonce (12) | ciphertext | auth tag (16), under the secret's key;
 * - `v2`: salt (16) | nonce (12) | ciphertext | auth tag (16), under a key of its own, derived with HKDF
 *   from the secret's key and the salt, so that no key ever seals more than one value (v1's single key per
 *   secret meets NIST's limit of 2^32 random nonces within days at a busy site's rate of saves).
 */
export const FORMATS = ['v1', 'v2'] as const
export type Format = (typeof FORMATS)[number]

const ALGORITHM = 'aes-256-gcm'
const NONCE_BYTES = 12
const AUTH_TAG_BYTES = 16
const SALT_BYTES = 16
const MESSAGE_KEY_BYTES = 32
const MESSAGE_KEY_INFO = Buffer.from('redis-session-store/encrypted-serializer/v2 message key', 'utf8')

/** Text that claims to be sealed: a tag like `v1.`, of a format this version may not know. */
const TAGGED = /^v\d+\./

export const looksSealed = (text: string): boolean => TAGGED.test(text)

export interface Opened {
  plaintext: string
  format: Format
  /** Which of the keys opened it: 0 is the one that seals. */
  keyIndex: number
}

export function seal(format: Format, key: KeyObject, plaintext: Buffer, sid: string): string {
  const salt = format === 'v2' ? randomBytes(SALT_BYTES) : undefined
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv(ALGORITHM, keyFor(key, salt), nonce, { authTagLength: AUTH_TAG_BYTES })
  cipher.setAAD(associatedData(format, sid))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const head = salt ? [salt, nonce] : [nonce]
  return `${format}.${Buffer.concat([...head, ciphertext, cipher.getAuthTag()]).toString('base64url')}`
}

export function open(keys: readonly KeyObject[], text: string, sid: string): Opened {
  const format = formatOf(text)
  const sealed = canonicalBase64url(text.slice(format.length + 1))
  if (sealed === undefined) {
    throw storeError('ERR_SESSION_DECODE', 'the stored encrypted value is not canonical base64url')
  }
  const saltBytes = format === 'v2' ? SALT_BYTES : 0
  if (sealed.length < saltBytes + NONCE_BYTES + AUTH_TAG_BYTES) {
    throw storeError('ERR_SESSION_DECODE', 'the stored encrypted value is too short')
  }
  const parts: Sealed = {
    format,
    salt: saltBytes > 0 ? sealed.subarray(0, saltBytes) : undefined,
    nonce: sealed.subarray(saltBytes, saltBytes + NONCE_BYTES),
    ciphertext: sealed.subarray(saltBytes + NONCE_BYTES, sealed.length - AUTH_TAG_BYTES),
    authTag: sealed.subarray(sealed.length - AUTH_TAG_BYTES),
  }
  for (const [keyIndex, key] of keys.entries()) {
    const plaintext = openWith(key, parts, sid)
    if (plaintext !== undefined) return { plaintext, format, keyIndex }
  }
  throw storeError(
    'ERR_SESSION_DECODE',
    'the stored session failed authentication: it was altered, copied from another session, or encrypted with a secret not in `secrets`',
  )
}

interface Sealed {
  format: Format
  salt: Buffer | undefined
  nonce: Buffer
  ciphertext: Buffer
  authTag: Buffer
}

function formatOf(text: string): Format {
  for (const format of FORMATS) if (text.startsWith(`${format}.`)) return format
  const tag = TAGGED.exec(text)?.[0].slice(0, -1)
  throw storeError(
    'ERR_SESSION_DECODE',
    tag && tag.length <= 8
      ? `the stored value is in encrypted format "${tag}", which this version cannot read`
      : `the stored value is not in an encrypted format (${FORMATS.join(', ')})`,
  )
}

// GCM checks the tag in final(): a wrong key, a changed byte or another session id all fail there.
function openWith(key: KeyObject, sealed: Sealed, sid: string): string | undefined {
  const decipher = createDecipheriv(ALGORITHM, keyFor(key, sealed.salt), sealed.nonce, {
    authTagLength: AUTH_TAG_BYTES,
  })
  decipher.setAAD(associatedData(sealed.format, sid))
  decipher.setAuthTag(sealed.authTag)
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

// v2's salt is not authenticated as data: another salt derives another key, and the tag fails under it.
const keyFor = (key: KeyObject, salt: Buffer | undefined): KeyObject | Buffer =>
  salt ? Buffer.from(hkdfSync('sha256', key, salt, MESSAGE_KEY_INFO, MESSAGE_KEY_BYTES)) : key

// The format is authenticated too, so that a value cannot be passed off as another format's.
const associatedData = (format: Format, sid: string) => Buffer.from(`${format}\0${sid}`, 'utf8')
