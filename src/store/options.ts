import { type SessionClient, sessionClientFor } from '../client/index.js'
import type { SupportedClient } from '../client/supported-client.js'
import type { HashSessionIdsOption } from '../features/hashed-ids/stored-ids.js'
import type { KoaSessionData } from '../features/koa/koa-record.js'
import { type UserIdOption, userIndexPrefixesFor } from '../features/user-sessions/user-index.js'
import { isSerializer, jsonSerializer, type Serializer } from '../helpers/codec.js'
import { describe, optionError } from '../helpers/errors.js'
import { DEFAULT_SCAN_COUNT } from '../helpers/scan.js'
import type { SessionRecord, StoredSession } from '../helpers/session.js'
import type { TtlOption } from '../helpers/ttl.js'
import { DEFAULT_TIMEOUT } from './deadline.js'

export const DEFAULT_PREFIX = 'sess:'
export const DEFAULT_TTL = 86_400
/** About 68 years: far beyond any session, and far inside what Redis accepts as an expiry. */
const MAX_EXPIRY_SECONDS = 2 ** 31 - 1

/** What to do with a stored value the serializer cannot turn back into a session. */
export type CorruptSessionPolicy = 'miss' | 'fail'

export interface RedisStoreOptions<
  Client extends SupportedClient = SupportedClient,
  Session extends SessionRecord = StoredSession,
> {
  /** A connected node-redis or ioredis client, cluster or sentinel (node-redis 4 in legacyMode too). */
  client: Client
  /** Text before every session id in its Redis key. Default `'sess:'` (also for null, as connect-redis took it). */
  prefix?: string | null
  /**
   * Seconds a session lives when its cookie has no expiry, or a function of the session. Default 86400. A string
   * of digits (read from the environment) is taken as its number.
   */
  ttl?: TtlOption | `${number}`
  /** touch() does nothing: sessions expire a fixed time after their last save. */
  disableTouch?: boolean
  /** Keys get no expiry; touch() does nothing. */
  disableTTL?: boolean
  /** How sessions become stored text and back. Default JSON. */
  serializer?: Serializer
  /** COUNT hint for SCAN in ids, all, length and clear. Default 100. A string of digits is taken as its number. */
  scanCount?: number | `${number}`
  /**
   * A stored value get() cannot decode: `'miss'` (default) answers as if there were no session,
   * so the user gets a fresh one; `'fail'` deletes the value (unless a session was saved there since)
   * and reports an error for this request. Bulk reads (all, sessions, userSessions) skip such a value
   * and emit `'corruptSession'` under either policy; they never delete.
   */
  onCorruptSession?: CorruptSessionPolicy
  /** With an empty prefix, clear() would empty the whole database; it refuses unless this is true. */
  allowClearWithEmptyPrefix?: boolean
  /**
   * The id of the user a session belongs to (undefined when nobody is signed in). With it, the store keeps
   * an index of each user's sessions, for userSessions() and destroyUserSessions().
   */
  // A method, so that a function of express-session's SessionData (a wider type) is accepted as it is; store.koa
  // gives it koa-session's data. NoInfer, so that a function typed on SessionRecord does not narrow the store's
  // session type to it.
  userId?(session: NoInfer<Session> | KoaSessionData): string | undefined
  /**
   * With userId: how many sessions a user may have at once. A save that files a user's session beyond it destroys
   * that user's least recently active sessions, down to the limit (event `'sessionsEvicted'`). Default: no limit.
   */
  maxSessionsPerUser?: number
  /** Milliseconds within which every store call settles, with an ERR_STORE_TIMEOUT error if Redis has not answered. 0 disables. Default 2000. */
  timeout?: number
  /**
   * Seconds: touch() sends no EXPIRE while the key already lives at least as long as the cookie, and
   * keys are given this many seconds beyond the cookie's expiry. Default 0 (every touch sends EXPIRE).
   */
  touchAfter?: number
  /**
   * Keys (and the user index) hold the SHA-256 of each session id instead of the id, so that nothing stored
   * or traced can be replayed as a cookie. `'read'` and `'migrate'` are the steps to turn it on without
   * signing anyone out. Default false.
   */
  hashSessionIds?: HashSessionIdsOption
}

export interface StoreSettings {
  client: SessionClient
  prefix: string
  ttl: TtlOption
  disableTouch: boolean
  disableTTL: boolean
  serializer: Serializer
  scanCount: number
  onCorruptSession: CorruptSessionPolicy
  allowClearWithEmptyPrefix: boolean
  userId: UserIdOption | undefined
  maxSessionsPerUser: number | undefined
  timeout: number
  touchAfter: number
  hashSessionIds: HashSessionIdsOption
}

/** Checks every option once, at creation, and fills in the defaults. */
export function resolveOptions(options: RedisStoreOptions<SupportedClient, never>): StoreSettings {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object', options)
  refuseUnknownOptions(options)
  return {
    client: sessionClientFor(options.client),
    prefix: prefixOption(options.prefix),
    ttl: ttlOption(options.ttl),
    disableTouch: booleanOption('disableTouch', options.disableTouch),
    disableTTL: booleanOption('disableTTL', options.disableTTL),
    serializer: serializerOption(options.serializer),
    scanCount: positiveIntegerOption('scanCount', fromDigits(options.scanCount), DEFAULT_SCAN_COUNT),
    onCorruptSession: oneOf('onCorruptSession', options.onCorruptSession, ['miss', 'fail'] as const),
    allowClearWithEmptyPrefix: booleanOption('allowClearWithEmptyPrefix', options.allowClearWithEmptyPrefix),
    userId: userIdOption(options.userId, options.prefix ?? DEFAULT_PREFIX),
    maxSessionsPerUser: maxSessionsPerUserOption(options.maxSessionsPerUser, options.userId),
    timeout: timeoutOption(options.timeout),
    touchAfter: touchAfterOption(options.touchAfter),
    hashSessionIds: hashSessionIdsOption(options.hashSessionIds),
  }
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof RedisStoreOptions>([
  'client',
  'prefix',
  'ttl',
  'disableTouch',
  'disableTTL',
  'serializer',
  'scanCount',
  'onCorruptSession',
  'allowClearWithEmptyPrefix',
  'userId',
  'maxSessionsPerUser',
  'timeout',
  'touchAfter',
  'hashSessionIds',
])

// Options of connect-redis 3 and earlier, which made its own client: what to do instead.
const CONNECT_REDIS_ONLY: Readonly<Record<string, string>> = {
  logErrors:
    "the store logs nothing itself: listen for the client's own 'error' event, and for the store's " +
    "'disconnect', 'connect' and 'corruptSession' events",
  ...Object.fromEntries(
    ['host', 'port', 'socket', 'url', 'pass', 'db'].map((name) => [
      name,
      'the store takes a connected client: create it with this setting and pass it as "client"',
    ]),
  ),
}

// A misspelt option (`prefx`, `touch_after`) or one from an old connect-redis (`host`, `logErrors`) would
// otherwise be ignored without a word, and its default used in its place.
function refuseUnknownOptions(options: object): void {
  for (const name of Object.keys(options)) {
    const instead = Object.hasOwn(CONNECT_REDIS_ONLY, name) ? CONNECT_REDIS_ONLY[name] : undefined
    if (instead) throw new TypeError(`redis-session-store: option "${name}" was connect-redis's; ${instead}`)
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `redis-session-store: unknown option "${name}"; the options are ${[...KNOWN_OPTIONS].join(', ')}`,
      )
    }
  }
}

// Node.js runs a longer setTimeout after 1 ms instead, so a longer timeout would fire at once.
const LONGEST_TIMER = 2_147_483_647

function timeoutOption(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > LONGEST_TIMER) {
    throw optionError('timeout', `an integer number of milliseconds from 0 (no timeout) to ${LONGEST_TIMER}`, value)
  }
  return value as number
}

// connect-redis 9 and earlier used the default for a null prefix (`opts.prefix == null`): so does this store.
function prefixOption(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_PREFIX
  if (typeof value !== 'string') throw optionError('prefix', 'a string', value)
  return value
}

// A number read from the environment comes as text; connect-redis passed it on to Redis as it was. Only a whole
// number written plainly is taken ('3600', not '1h', '', ' 60' or '1e3'); anything else is checked as it is.
const DIGITS = /^[0-9]+$/
const fromDigits = (value: unknown): unknown =>
  typeof value === 'string' && DIGITS.test(value) ? Number(value) : value

function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw optionError(name, 'a boolean', value)
  return value
}

function positiveIntegerOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw optionError(name, 'a positive integer (or a string of its digits)', value)
  }
  return value as number
}

function ttlOption(given: unknown): TtlOption {
  const value = fromDigits(given)
  if (value === undefined) return DEFAULT_TTL
  if (typeof value === 'function') return value as TtlOption
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_EXPIRY_SECONDS) {
    throw optionError(
      'ttl',
      `a positive number of seconds up to ${MAX_EXPIRY_SECONDS} (or a string of its digits), or a function of the session`,
      value,
    )
  }
  // Redis takes whole seconds only (SET EX 1.5 is an error); rounded up, as the other sources of a ttl are.
  return Math.ceil(value)
}

function serializerOption(value: unknown): Serializer {
  if (value === undefined) return jsonSerializer
  if (!isSerializer(value)) {
    throw optionError('serializer', 'an object with stringify(session) and parse(text) methods', value)
  }
  return value
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly [T, ...T[]]): T {
  if (value === undefined) return allowed[0]
  if (!allowed.includes(value as T)) throw optionError(name, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value)
  return value as T
}

function userIdOption(value: unknown, prefix: string): UserIdOption | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw optionError('userId', 'a function of the session', value)
  // ids(), length() and clear() take every key under the prefix for a session; an index key there would count.
  const underPrefix = userIndexPrefixesFor(prefix).find((indexPrefix) => indexPrefix.startsWith(prefix))
  if (underPrefix !== undefined) {
    throw new TypeError(
      `redis-session-store: option "userId" cannot be used with prefix ${describe(prefix)}: ` +
        `the user index keys (${describe(underPrefix)}...) would fall under it`,
    )
  }
  return value as UserIdOption
}

function maxSessionsPerUserOption(value: unknown, userId: unknown): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw optionError('maxSessionsPerUser', 'a whole number of sessions, 1 or more', value)
  }
  if (userId === undefined) {
    throw new TypeError(
      'redis-session-store: option "maxSessionsPerUser" needs the userId option, which tells whose a session is',
    )
  }
  return value as number
}

function touchAfterOption(value: unknown): number {
  if (value === undefined) return 0
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > MAX_EXPIRY_SECONDS) {
    throw optionError('touchAfter', `a whole number of seconds from 0 to ${MAX_EXPIRY_SECONDS}`, value)
  }
  return value as number
}

function hashSessionIdsOption(value: unknown): HashSessionIdsOption {
  if (value === undefined) return false
  if (typeof value !== 'boolean' && value !== 'read' && value !== 'migrate') {
    throw optionError('hashSessionIds', 'true, false, "read" or "migrate"', value)
  }
  return value
}
