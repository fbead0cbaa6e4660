import { createSecretKey, type KeyObject, scryptSync } from 'node:crypto'
import { isThenable, type ParseReport, type Serializer } from '../../helpers/codec.js'
import { storeError } from '../../helpers/errors.js'
import type { SessionRecord } from '../../helpers/session.js'
import { looksSealed, type Opened, open, seal } from './envelope.js'
import { type EncryptedSerializerOptions, encryptedSerializerSettings } from './options.js'

const KEY_BYTES = 32
// scrypt rather than HKDF: secrets are often typed by people, and a stolen Redis dump lets an attacker
// test guesses offline against the ciphertexts; scrypt makes each guess cost ~32 MiB and tens of ms.
// It runs once per secret, when the serializer is created.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const
// A fixed salt ties the keys to this use; secrets should already be unique to each application.
const SALT = 'redis-session-store/encrypted-serializer/v1'

/**
 * A serializer for the store's `serializer` option that encrypts each session with AES-256-GCM:
 * a fresh random nonce per write (and in format v2 a key of its own), the session id bound as associated
 * data (a value copied under another session's key does not decode), and tampering detected. A value not
 * as it would write it now (an old secret, the other format, unencrypted) is reported outdated, so that the
 * store writes it again. Errors never contain a secret, a key, the session id or the session's contents.
 */
export function createEncryptedSerializer(options: EncryptedSerializerOptions): Serializer {
  const { secrets, inner, writeFormat, acceptUnencrypted } = encryptedSerializerSettings(options)
  const keys = secrets.map(deriveKey)
  const [encryptionKey] = keys as [KeyObject, ...KeyObject[]]

  function opened(text: string, sid: string): Opened | undefined {
    if (typeof text !== 'string') {
      throw storeError('ERR_SESSION_DECODE', `the stored value is ${typeof text}, not encrypted text`)
    }
    // Only untagged text: a value that claims a format and fails to open is never read as plaintext.
    if (acceptUnencrypted && !looksSealed(text)) return undefined
    return open(keys, text, sid)
  }

  return {
    stringify(session: SessionRecord, sid: string): string {
      const text = innerStringify(inner, session, sid)
      return writeFormat === 'unencrypted' ? text : seal(writeFormat, encryptionKey, Buffer.from(text, 'utf8'), sid)
    },
    parse(text: string, sid: string, report?: ParseReport): unknown {
      const found = opened(text, sid)
      // Outdated: not what stringify writes now (another format or secret, or unencrypted while it encrypts).
      const outdated = found ? found.format !== writeFormat || found.keyIndex > 0 : writeFormat !== 'unencrypted'
      if (report && outdated) report.outdated = true
      let parsed: unknown
      try {
        parsed = inner.parse(found === undefined ? text : found.plaintext, sid, report)
      } catch (cause) {
        throw innerParseError(cause)
      }
      return isThenable(parsed)
        ? Promise.resolve(parsed).catch((cause: unknown) => Promise.reject(innerParseError(cause)))
        : parsed
    },
  }
}

const deriveKey = (secret: string): KeyObject => createSecretKey(scryptSync(secret, SALT, KEY_BYTES, SCRYPT))

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
