import { RedisSessionStoreError, storeError } from './errors.js'
import type { SessionRecord } from './session.js'

/**
 * Turns sessions into stored text and back. The session id is passed as a second argument for
 * serializers that bind it (encryption); JSON's own methods ignore it. The third argument of parse is
 * optional to use: a serializer that reads the text but would not write it that way now says so there.
 */
export interface Serializer {
  stringify(session: SessionRecord, sid: string): string
  parse(text: string, sid: string, report?: ParseReport): unknown
}

/** What parse() may tell the store about the text besides the session in it. */
export interface ParseReport {
  /**
   * Set to true when the text was read but is outdated: written with an old secret, in an old format, or
   * unencrypted. The store then writes it again (as stringify writes now) at the session's next save or touch.
   */
  outdated: boolean
}

/** Whether the value has a serializer's two methods, as the serializer options require. */
export const isSerializer = (value: unknown): value is Serializer =>
  typeof (value as Partial<Serializer> | null)?.stringify === 'function' &&
  typeof (value as Partial<Serializer>).parse === 'function'

export const jsonSerializer: Serializer = {
  stringify: (session) => JSON.stringify(session),
  parse: parseJson,
}

// V8 quotes the start of the text in JSON.parse's messages ("Unexpected token 'h', "hunter2"..."):
// session data must not reach a log through an error, so the reason is kept and the text is not.
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new UnreadableJson(`the stored text (${text.length} characters) is not valid JSON`)
  }
}

/** parseJson's error: its message holds no stored text, so it may be told. */
class UnreadableJson extends SyntaxError {}

/** The text to store for a session; a session the serializer cannot turn into text is an error. */
export const encode =
  (serializer: Serializer) =>
  (session: SessionRecord, sid: string): string => {
    let text: unknown
    try {
      text = serializer.stringify(session, sid)
    } catch (cause) {
      throw storeError('ERR_SESSION_ENCODE', 'the session could not be serialized', cause)
    }
    if (typeof text !== 'string') {
      throw storeError('ERR_SESSION_ENCODE', `the serializer returned ${typeof text} instead of a string`)
    }
    return text
  }

/** The session stored as text; anything that is not a session object is an error, never data. */
export const decode =
  (serializer: Serializer) =>
  async (text: string, sid: string, report?: ParseReport): Promise<SessionRecord> =>
    decodeSoon(serializer)(text, sid, report)

/**
 * `decode` without the Promise when the serializer answers at once (JSON does): the store's get()
 * then costs no extra turn of the event loop. Throws, or rejects, exactly as `decode` rejects.
 */
export const decodeSoon =
  (serializer: Serializer) =>
  (text: string, sid: string, report?: ParseReport): SessionRecord | Promise<SessionRecord> => {
    let parsed: unknown
    try {
      parsed = serializer.parse(text, sid, report)
    } catch (cause) {
      throw unparsable(cause)
    }
    return isThenable(parsed) ? Promise.resolve(parsed).then(sessionRecord, rejectUnparsable) : sessionRecord(parsed)
  }

const unparsable = (cause: unknown) =>
  storeError('ERR_SESSION_DECODE', `the stored session could not be parsed: ${reasonOf(cause)}`, cause)

const STORE_PREFIX = 'redis-session-store: '

// The reason is told in the message ('corruptSession' listeners log it), but only where it is known to hold no session
// data nor id: the store's own errors (the encrypted serializer's: wrong secret or altered) and JSON's. A custom
// serializer's message may quote what it read, so only its kind is told; the error itself stays in `cause`.
function reasonOf(cause: unknown): string {
  if (cause instanceof RedisSessionStoreError) return cause.message.replace(STORE_PREFIX, '')
  if (cause instanceof UnreadableJson) return cause.message
  return `the serializer threw ${cause instanceof Error ? `a ${cause.name}` : typeof cause} (see cause)`
}

const rejectUnparsable = (cause: unknown): never => {
  throw unparsable(cause)
}

function sessionRecord(value: unknown): SessionRecord {
  const fault = faultOf(value)
  if (fault) throw storeError('ERR_SESSION_DECODE', `the stored value is not a session: ${fault}`)
  return value as SessionRecord
}

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function'

/**
 * What makes the value no session, told by field name and type only (never a value), or undefined for a session.
 * express-session's createSession reads `cookie` unconditionally, so a value without one would throw later.
 * express-session's Cookie throws on a maxAge that is not a number, and an originalMaxAge that is not one
 * makes its response hang: a stored cookie like that would fail every request of its user, so it is no session.
 * An `expires` that is no date would give the request an Invalid Date cookie, with no expiry anyone can check.
 */
function faultOf(value: unknown): string | undefined {
  if (!isObject(value)) return `it is ${kindOf(value)}, not an object`
  const { cookie } = value as { cookie?: unknown }
  if (!isObject(cookie)) return cookie === undefined ? 'it has no cookie' : `its cookie is ${kindOf(cookie)}`
  const { maxAge, originalMaxAge, expires } = cookie as Record<string, unknown>
  if (!isDuration(maxAge)) return `its cookie.maxAge is ${kindOf(maxAge)}, not a number`
  if (!isDuration(originalMaxAge)) return `its cookie.originalMaxAge is ${kindOf(originalMaxAge)}, not a number`
  if (!isExpiry(expires)) return `its cookie.expires is ${kindOf(expires)} that is no date`
  return undefined
}

const kindOf = (value: unknown): string => {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`
}

const isDuration = (value: unknown): boolean => value == null || typeof value === 'number' || value instanceof Date

const isExpiry = (value: unknown): boolean =>
  value == null ||
  (value instanceof Date && !Number.isNaN(value.getTime())) ||
  (typeof value === 'string' && isDateText(value))

// What JSON writes for a Date (toISOString) is told by its shape, five times cheaper than Date.parse, which all()
// would run for every session; other text is parsed. V8 reads every text of this shape as a date (a day up to 31
// in any month), so the shape alone gives Date.parse's answer.
const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/

const isDateText = (text: string): boolean => ISO_DATE.test(text) || !Number.isNaN(Date.parse(text))

const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
