import type { EventEmitter } from 'node:events'
import type { SessionClient } from '../client/index.js'
import type { SupportedClient } from '../client/supported-client.js'
import type { SnapshotMemory } from '../features/concurrent-saves/snapshot.js'
import type { DestroyUserSessions } from '../features/user-sessions/user-index.js'
import type { CallbackOrPromise } from '../helpers/callback.js'
import type { SessionRecord, SessionWithId, StoredSession } from '../helpers/session.js'
import { type ArgumentLimit, withCallPolicy } from './call-policy.js'
import { type ConnectRedisProperties, defineConnectRedisProperties } from './connect-redis-properties.js'
import { deadlines } from './deadline.js'
import { refusalWhileDisconnected } from './fail-fast.js'
import { expressArity, type Guard, type KoaSessionStore, koaStoreView } from './koa-store.js'
import { type StoreEvents, sessionOperations } from './operations.js'
import { type RedisStoreOptions, resolveOptions, type StoreSettings } from './options.js'
import { defaultStoreBase } from './store-base.js'
import { methodTrace } from './tracing.js'

/**
 * The store: express-session's Store contract, each method with a callback or as a Promise, and connect-redis's
 * read-only properties. `Session` is what its reads return (express-session's SessionData by default), `Client`
 * the client it was given, typed as it was.
 */
export interface RedisSessionStore<
  Session extends SessionRecord = StoredSession,
  Client extends SupportedClient = SupportedClient,
> extends EventEmitter,
    ConnectRedisProperties<Client> {
  get: CallbackOrPromise<[sid: string], Session | null>
  set: CallbackOrPromise<[sid: string, session: Session], void>
  touch: CallbackOrPromise<[sid: string, session: Session], void>
  destroy: CallbackOrPromise<[sid: string], void>
  clear: CallbackOrPromise<[], void>
  length: CallbackOrPromise<[], number>
  ids: CallbackOrPromise<[], string[]>
  all: CallbackOrPromise<[], SessionWithId<Session>[]>
  /** Every session under the prefix, read page by page as SCAN returns them. */
  sessions(): AsyncIterable<SessionWithId<Session>>
  /** Ids of the user's live sessions (needs the userId option). */
  userSessions: CallbackOrPromise<[userId: string], string[]>
  /**
   * Destroys the user's sessions, but for `except`; resolves to how many (needs the userId option). Rejects with
   * ERR_REVOKE_INCOMPLETE, after destroying all the others, when some could not be destroyed.
   */
  destroyUserSessions: DestroyUserSessions
  /**
   * Writes a session that get(), all() or sessions() read from outdated text (an old secret or format, or
   * unencrypted) again as the serializer writes now, keeping its data and time to live, unless it changed or
   * went since it was read. Resolves to whether it wrote: a sweep after rotating secrets.
   */
  rewriteOutdated: CallbackOrPromise<[session: Session], boolean>
  /** The store for koa-session: `session({ store: store.koa }, app)`. */
  readonly koa: KoaSessionStore
  // Inherited from express-session's Store, which calls get/destroy to implement them.
  regenerate(req: unknown, callback: (error?: unknown) => void): void
  load<Session>(sid: string, callback: (error: unknown, session?: Session) => void): void
  createSession<Session>(req: unknown, session: SessionRecord): Session
}

/** Builds a session store on a Redis client. Options are checked here, once. */
export function createRedisStore<Client extends SupportedClient, Session extends SessionRecord = StoredSession>(
  options: RedisStoreOptions<Client, Session>,
): RedisSessionStore<Session, Client> {
  return attachStoreMethods(new (defaultStoreBase())(), options)
}

/** Gives an instance of a Store base class the store's methods, as own (and so replaceable) properties. */
export function attachStoreMethods<
  Base extends EventEmitter,
  Client extends SupportedClient,
  Session extends SessionRecord = StoredSession,
>(store: Base, options: RedisStoreOptions<Client, Session>): Base & RedisSessionStore<Session, Client> {
  // The operations work on any session with a cookie; the Session type is the caller's promise about its data.
  const settings = resolveOptions(options as RedisStoreOptions<SupportedClient, never>)
  const events: StoreEvents = {
    corruptSession: (error) => store.emit('corruptSession', error),
    conflict: (details) => store.emit('conflict', details),
    staleSession: (details) => store.emit('staleSession', details),
    sessionsEvicted: (details) => store.emit('sessionsEvicted', details),
    sessionLimitFailed: (error) => store.emit('sessionLimitFailed', error),
  }
  const operations = sessionOperations(settings, events)
  const guard = guardFor(settings)
  const methods: Omit<
    RedisSessionStore<SessionRecord>,
    keyof EventEmitter | keyof ConnectRedisProperties | 'regenerate' | 'load' | 'createSession'
  > = {
    get: guard('get', operations.get, expressArity('get', 1)),
    set: guard('set', operations.set, expressArity('set', 2)),
    touch: guard('touch', operations.touch),
    destroy: guard('destroy', operations.destroy, expressArity('destroy', 1)),
    clear: guard('clear', operations.clear),
    length: guard('length', operations.length),
    ids: guard('ids', operations.ids),
    all: guard('all', operations.all),
    sessions: operations.sessions,
    userSessions: guard('userSessions', operations.userSessions),
    destroyUserSessions: guard('destroyUserSessions', operations.destroyUserSessions) as DestroyUserSessions,
    rewriteOutdated: guard('rewriteOutdated', operations.rewriteOutdated),
    koa: koaStoreView(settings, events, guard),
  }
  reportConnection(settings.client, store)
  Object.assign(store, methods, carrySnapshotOnCreate(store, operations.snapshots))
  defineConnectRedisProperties(store, options.client, settings)
  return store as unknown as Base & RedisSessionStore<Session, Client>
}

/**
 * express-session builds `req.session` from what get() returned with `createSession(req, loaded)`, copying
 * its top-level keys into a new object: the new object gets the loaded one's snapshot, so that its save
 * knows what the request loaded. The inherited method does the rest, unchanged.
 */
function carrySnapshotOnCreate(
  store: EventEmitter,
  snapshots: SnapshotMemory,
): Partial<Pick<RedisSessionStore<SessionRecord>, 'createSession'>> {
  const inherited = (store as Partial<RedisSessionStore<SessionRecord>>).createSession
  if (typeof inherited !== 'function') return {}
  return {
    createSession<Session>(this: RedisSessionStore<SessionRecord>, req: unknown, loaded: SessionRecord): Session {
      const snapshot = snapshots.of(loaded)
      const created = inherited.call(this, req, loaded) as Session
      if (snapshot && typeof created === 'object' && created !== null) snapshots.remember(created, snapshot)
      return created
    },
  }
}

/**
 * Every call fails at once while the client is not connected, and settles within the timeout otherwise;
 * each publishes on its method's TracingChannel while someone listens.
 */
function guardFor({ client, timeout, prefix }: StoreSettings): Guard {
  const policy = { deadlines: deadlines(timeout), refuse: refusalWhileDisconnected(client) }
  return <Args extends unknown[], Result>(
    name: string,
    run: (...args: Args) => Promise<Result>,
    arity?: ArgumentLimit,
  ) => withCallPolicy(run, { ...policy, name, trace: methodTrace(name, prefix), arity })
}

// express-session listens for 'disconnect' and 'connect' once, right after the store is created: a client that
// is not connected yet is reported on the next tick, when that listener is there to hear it.
function reportConnection(client: SessionClient, store: EventEmitter): void {
  client.watchConnection(store)
  process.nextTick(() => {
    if (!client.isReady()) store.emit('disconnect')
  })
}
