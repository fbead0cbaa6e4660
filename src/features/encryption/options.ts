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
   * own per value; readable only by versions that read v2); both are always read. `'unencrypted'` (with
   * acceptUnencrypted) writes the inner serializer's text as it is: the first step of turning encryption on
   * across instances that cannot all read it yet, or the last before turning it off.
   */
  writeFormat?: 'v1' | 'v2' | 'unencrypted'
  /**
   * Also read values that are not encrypted (what the inner serializer wrote before encryption was turned
   * on); they are encrypted at their next save or touch. While it is on, anyone who can write to Redis can
   * plant a session. Default false.
   */
  acceptUnencrypted?: boolean
}

export type WriteFormat = Format | 'unencrypted'

export interface EncryptedSerializerSettings {
  secrets: string[]
  inner: Serializer
  writeFormat: WriteFormat
  acceptUnencrypted: boolean
}

const MIN_SECRET_LENGTH = 32
export const DEFAULT_WRITE_FORMAT: Format = 'v1'

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof EncryptedSerializerOptions>([
  'secrets',
  'serializer',
  'writeFormat',
  'acceptUnencrypted',
])

export function encryptedSerializerSettings(options: unknown): EncryptedSerializerSettings {
  const given: Partial<EncryptedSerializerOptions> = typeof options === 'object' && options !== null ? options : {}
  // A misspelt option (`acceptPlaintext`, `format`) would otherwise be ignored, and its default used instead.
  for (const name of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `redis-session-store: createEncryptedSerializer has no option "${name}"; the options are ${[...KNOWN_OPTIONS].join(', ')}`,
      )
    }
  }
  const settings = {
    secrets: secretsOption(given.secrets),
    inner: innerSerializerOption(given.serializer),
    writeFormat: writeFormatOption(given.writeFormat),
    acceptUnencrypted: acceptUnencryptedOption(given.acceptUnencrypted),
  }
  if (settings.writeFormat === 'unencrypted' && !settings.acceptUnencrypted) {
    throw optionsError('writeFormat', '"unencrypted" only with acceptUnencrypted: true, which reads what it writes')
  }
  return settings
}

function secretsOption(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    // A lone string here is most likely the secret itself: its length is all the message may say.
    const received =
      typeof value === 'string'
        ? `a string of length ${value.length}`
        : Array.isArray(value)
          ? 'an empty array'
          : describe(value)
    throw optionsError('secrets', `a non-empty array of strings; received ${received}`)
  }
  return value.map((secret: unknown, i) => {
    const name = `secrets[${i}]`
    // Never describe() a secret: it would print a short one in the message.
    if (typeof secret !== 'string') throw optionsError(name, `a string; received ${typeof secret}`)
    if (secret.length < MIN_SECRET_LENGTH) {
      throw optionsError(
        name,
        `at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`); received ${secret.length} characters`,
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

const WRITE_FORMATS: readonly WriteFormat[] = [...FORMATS, 'unencrypted']

function writeFormatOption(value: unknown): WriteFormat {
  if (value === undefined) return DEFAULT_WRITE_FORMAT
  if (!WRITE_FORMATS.includes(value as WriteFormat)) {
    const expected = WRITE_FORMATS.map((format) => `"${format}"`).join(', ')
    throw optionsError('writeFormat', `one of ${expected}; received ${describe(value)}`)
  }
  return value as WriteFormat
}

function acceptUnencryptedOption(value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw optionsError('acceptUnencrypted', `a boolean; received ${describe(value)}`)
  return value
}

const optionsError = (name: string, expected: string) =>
  new TypeError(`redis-session-store: createEncryptedSerializer option "${name}" must be ${expected}`)
