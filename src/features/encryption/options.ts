import { isSerializer, jsonSerializer, type Serializer } from '../../helpers/codec.js'
import { describe } from '../../helpers/errors.js'
import { FORMATS, type Format } from './envelope.js'

export interface EncryptedSerializerOptions {
  /**
   * At least one secret of at least 32 characters. The first encrypts; every one of them decrypts,
   * so that a new secret can be put first while sessions written with the old ones still read.
   */
  secrets: readonly string[]
  /** What turns the session into the plaintext that is encrypted, and back. Default JSON. */
  serializer?: Serializer
  /**
   * The format values are written in: `'v1'` (default, readable by every version) or `'v2'` (a key of its
   * own per value; readable only by versions that read v2); both are always read.
   */
  writeFormat?: 'v1' | 'v2'
}

export interface EncryptedSerializerSettings {
  secrets: string[]
  inner: Serializer
  writeFormat: Format
}

const MIN_SECRET_LENGTH = 32
export const DEFAULT_WRITE_FORMAT: Format = 'v1'

export function encryptedSerializerSettings(options: unknown): EncryptedSerializerSettings {
  const given: Partial<EncryptedSerializerOptions> = typeof options === 'object' && options !== null ? options : {}
  return {
    secrets: secretsOption(given.secrets),
    inner: innerSerializerOption(given.serializer),
    writeFormat: writeFormatOption(given.writeFormat),
  }
}

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

function innerSerializerOption(value: unknown): Serializer {
  if (value === undefined) return jsonSerializer
  if (!isSerializer(value)) {
    throw optionsError('serializer', `an object with stringify and parse methods; received ${describe(value)}`)
  }
  return value
}

function writeFormatOption(value: unknown): Format {
  if (value === undefined) return DEFAULT_WRITE_FORMAT
  if (!FORMATS.includes(value as Format)) {
    const expected = FORMATS.map((format) => `"${format}"`).join(', ')
    throw optionsError('writeFormat', `one of ${expected}; received ${describe(value)}`)
  }
  return value as Format
}

const optionsError = (name: string, expected: string) =>
  new TypeError(`redis-session-store: createEncryptedSerializer option "${name}" must be ${expected}`)
