import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto'
import { storeError } from '../../helpers/errors.js'
import { canonicalBase64url } from './canonical-base64url.js'

// The stored text is `v1.` followed by base64url(nonce | ciphertext | tag); a new format gets a new tag.
const FORMAT = 'v1'
const TAG_PREFIX = `${FORMAT}.`
const ALGORITHM = 'aes-256-gcm'
const NONCE_BYTES = 12
const AUTH_TAG_BYTES = 16

export interface Opened {
  plaintext: string
  /** Which of the keys opened it: 0 is the one that seals. */
  keyIndex: number
}

export function seal(key: KeyObject, plaintext: Buffer, sid: string): string {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: AUTH_TAG_BYTES })
  cipher.setAAD(associatedData(sid))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return TAG_PREFIX + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url')
}

export function open(keys: readonly KeyObject[], text: string, sid: string): Opened {
  if (typeof text !== 'string' || !text.startsWith(TAG_PREFIX)) {
    throw storeError('ERR_SESSION_DECODE', `the stored value is not in the encrypted format "${FORMAT}"`)
  }
  const sealed = canonicalBase64url(text.slice(TAG_PREFIX.length))
  if (sealed === undefined) {
    throw storeError('ERR_SESSION_DECODE', 'the stored encrypted value is not canonical base64url')
  }
  if (sealed.length < NONCE_BYTES + AUTH_TAG_BYTES) {
    throw storeError('ERR_SESSION_DECODE', 'the stored encrypted value is too short')
  }
  const nonce = sealed.subarray(0, NONCE_BYTES)
  const ciphertext = sealed.subarray(NONCE_BYTES, sealed.length - AUTH_TAG_BYTES)
  const authTag = sealed.subarray(sealed.length - AUTH_TAG_BYTES)
  for (const [keyIndex, key] of keys.entries()) {
    const plaintext = openWith(key, nonce, ciphertext, authTag, sid)
    if (plaintext !== undefined) return { plaintext, keyIndex }
  }
  throw storeError(
    'ERR_SESSION_DECODE',
    'the stored session failed authentication: it was altered, copied from another session, or encrypted with a secret not in `secrets`',
  )
}

// GCM checks the tag in final(): a wrong key, a changed byte or another session id all fail there.
function openWith(key: KeyObject, nonce: Buffer, ciphertext: Buffer, authTag: Buffer, sid: string): string | undefined {
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
