import { isKoaSessionData, type KoaSessionData, koaFromRecord, recordFromKoa } from '../features/koa/koa-record.js'
import { koaSerializer } from '../features/koa/koa-serializer.js'
import type { DestroyUserSessionsOptions } from '../features/user-sessions/user-index.js'
import type { CallbackOrPromise } from '../helpers/callback.js'
import { describe } from '../helpers/errors.js'
import type { SessionRecord } from '../helpers/session.js'
import type { TtlOption } from '../helpers/ttl.js'
import type { ArgumentLimit } from './call-policy.js'
import { type StoreEvents, sessionOperations } from './operations.js'
import type { StoreSettings } from './options.js'
import type { Answered } from './tracing.js'

/** koa-session's `maxAge`: milliseconds, or `'session'` for a cookie that ends with the browser session. */
export type KoaMaxAge = number | 'session'

/** What koa-session passes beside the key: the request's context, and its `rolling` and `changed` flags. */
export interface KoaStoreCallOptions {
  ctx?: unknown
  rolling?: boolean
  changed?: boolean
}

/**
 * `store.koa`: the store in koa-session's external-store shape, `session({ store: store.koa }, app)`, with the
 * store's guarantees (conditional saves, revocation that sticks, sessions per user, encryption, fail fast).
 */
export interface KoaSessionStore {
  get(key: string, maxAge?: KoaMaxAge, options?: KoaStoreCallOptions): Promise<KoaSessionData | null>
  set(key: string, session: KoaSessionData, maxAge?: KoaMaxAge, options?: KoaStoreCallOptions): Promise<void>
  destroy(key: string, options?: KoaStoreCallOptions): Promise<void>
  /** Ids of the user's live Koa sessions (needs the userId option). */
  userSessions(userId: string): Promise<string[]>
  /** Destroys the user's Koa sessions, but for `except`; resolves to how many (needs the userId option). */
  destroyUserSessions(userId: string, options?: DestroyUserSessionsOptions): Promise<number>
}

/** The store's call policy (fail fast, deadlines) around an operation, as create-store applies it. */
export type Guard = <Args extends unknown[], Result>(
  name: string,
  run: (...args: Args) => Promise<Result>,
  arity?: ArgumentLimit,
) => CallbackOrPromise<Args, Answered<Result>>

// The milliseconds koa-session passed to set(), carried by the record it is saved as until the engine asks its ttl.
const SET_MAX_AGE: unique symbol = Symbol('koa-session maxAge')
type CarriesMaxAge = { [SET_MAX_AGE]?: number }

/**
 * The Koa view of a store: a second engine on the same client, settings and events, whose serializer stores
 * koa-session's data as it is (koa-serializer.ts). koa-session hands set() a fresh `toJSON()` object and has no
 * hook like express-session's createSession: the request's context is the one thing its get() and set() share,
 * so the record get() returned (with its snapshot) is kept on the context, and set() saves on top of it.
 */
export function koaStoreView(settings: StoreSettings, events: StoreEvents, guard: Guard): KoaSessionStore {
  const engine = sessionOperations(koaEngineSettings(settings), events)
  // Each view its own, as each store has its own snapshot symbol: a context is never taken for another store's.
  const loadedKey: unique symbol = Symbol('redis-session-store koa session')
  type Carrier = { [loadedKey]?: SessionRecord | undefined }
  const carrierOf = (options: KoaStoreCallOptions | undefined): Carrier | undefined => {
    const ctx = options?.ctx
    return typeof ctx === 'object' && ctx !== null ? (ctx as Carrier) : undefined
  }

  // koa-session's maxAge given to get() is its option, undefined by default: the key's expiry is set by saves.
  async function get(key: string, _maxAge?: KoaMaxAge, options?: KoaStoreCallOptions) {
    const record = await engine.get(key)
    const ctx = carrierOf(options)
    if (ctx) ctx[loadedKey] = record ?? undefined
    return record ? koaFromRecord(record) : null
  }

  // koa-session's `changed` flag is not needed: the engine compares with what the request loaded, key by key.
  async function set(key: string, session: KoaSessionData, maxAge?: KoaMaxAge, options?: KoaStoreCallOptions) {
    requireKoaSession(session)
    requireMaxAge(maxAge)
    const record = recordFromKoa(session)
    // koa-session passes its maxAge plus 10 s, so that the key outlives the cookie: kept as given.
    if (typeof maxAge === 'number') Object.defineProperty(record, SET_MAX_AGE, { value: maxAge })
    const ctx = carrierOf(options)
    const loaded = ctx?.[loadedKey]
    const snapshot = loaded && engine.snapshots.of(loaded)
    if (snapshot) engine.snapshots.remember(record, snapshot)
    const outcome = await engine.set(key, record)
    // A second save in the same request (ctx.session.save(), then the end of the request) goes on top of this one.
    if (ctx) ctx[loadedKey] = record
    return outcome
  }

  async function destroy(key: string, options?: KoaStoreCallOptions) {
    const ctx = carrierOf(options)
    if (ctx) ctx[loadedKey] = undefined
    await engine.destroy(key)
  }

  return {
    get: guard('koa.get', get),
    set: guard('koa.set', set),
    destroy: guard('koa.destroy', destroy),
    userSessions: guard('koa.userSessions', engine.userSessions),
    destroyUserSessions: guard('koa.destroyUserSessions', (userId: string, options?: DestroyUserSessionsOptions) =>
      engine.destroyUserSessions(userId, options),
    ),
  }
}

/**
 * The store's settings for Koa data: its serializer around the store's, its userId and ttl functions given
 * koa-session's data (not the engine's record), and the key's time to live taken from koa-session's maxAge.
 */
function koaEngineSettings(settings: StoreSettings): StoreSettings {
  const { userId } = settings
  return {
    ...settings,
    serializer: koaSerializer(settings.serializer),
    ttl: koaTtl(settings.ttl),
    userId: userId && ((record) => userId(koaFromRecord(record) as unknown as SessionRecord)),
  }
}

/** Seconds to live: koa-session's maxAge given to set(), or, for `'session'`, the store's ttl option. */
const koaTtl =
  (ttl: TtlOption) =>
  (record: SessionRecord): number => {
    const maxAge = (record as CarriesMaxAge)[SET_MAX_AGE]
    if (maxAge !== undefined) return maxAge / 1000
    return typeof ttl === 'function' ? ttl(koaFromRecord(record) as unknown as SessionRecord) : ttl
  }

function requireKoaSession(session: unknown): asserts session is KoaSessionData {
  if (!isKoaSessionData(session)) {
    throw new TypeError(
      `redis-session-store: a Koa session must be an object with numeric _expire and _maxAge, if any; received ${describe(session)}`,
    )
  }
}

function requireMaxAge(maxAge: unknown): void {
  if (maxAge === undefined || maxAge === 'session' || Number.isFinite(maxAge)) return
  throw new TypeError(
    `redis-session-store: koa-session's maxAge must be milliseconds or 'session'; received ${describe(maxAge)}`,
  )
}

/**
 * The store's own get, set and destroy refuse koa-session's arguments, which they would misread (a Koa session
 * has no cookie, so every request would start afresh): koa-session is given `store.koa`. `most` is how many
 * arguments express-session and Fastify pass, their callback aside.
 */
export const expressArity = (name: string, most: number): ArgumentLimit => ({
  most,
  tooMany: () => koaArgumentsError(name),
})

const koaArgumentsError = (name: string) =>
  new TypeError(
    `redis-session-store: store.${name}() was called with koa-session's arguments; give koa-session the store's Koa view: session({ store: store.koa }, app)`,
  )
