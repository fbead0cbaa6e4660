import type { EventEmitter } from 'node:events'
import { type CallbackOrPromise, callbackOrPromise } from './callback.js'
import { sessionOperations } from './operations.js'
import { type RedisStoreOptions, resolveOptions } from './options.js'
import type { SessionRecord, SessionWithId } from './session.js'
import { defaultStoreBase, type StoreBase } from './store-base.js'
import type { DestroyUserSessions } from './user-index.js'

/** The store: express-session's Store contract, each method with a callback or as a Promise. */
export interface RedisSessionStore extends EventEmitter {
  get: CallbackOrPromise<[sid: string], SessionRecord | null>
  set: CallbackOrPromise<[sid: string, session: SessionRecord], void>
  touch: CallbackOrPromise<[sid: string, session: SessionRecord], void>
  destroy: CallbackOrPromise<[sid: string], void>
  clear: CallbackOrPromise<[], void>
  length: CallbackOrPromise<[], number>
  ids: CallbackOrPromise<[], string[]>
  all: CallbackOrPromise<[], SessionWithId[]>
  /** Every session under the prefix, read page by page as SCAN returns them. */
  sessions(): AsyncIterable<SessionWithId>
  /** Ids of the user's live sessions (needs the userId option). */
  userSessions: CallbackOrPromise<[userId: string], string[]>
  /** Destroys the user's sessions, but for `except`; resolves to how many (needs the userId option). */
  destroyUserSessions: DestroyUserSessions
  // Inherited from express-session's Store, which calls get/destroy to implement them.
  regenerate(req: unknown, callback: (error?: unknown) => void): void
  load<Session>(sid: string, callback: (error: unknown, session?: Session) => void): void
  createSession<Session>(req: unknown, session: SessionRecord): Session
}

/** Builds a session store on a Redis client. Options are checked here, once. */
export function createRedisStore(options: RedisStoreOptions): RedisSessionStore {
  return attachStoreMethods(new (defaultStoreBase())(), options)
}

/** Gives an instance of a Store base class the store's methods, as own (and so replaceable) properties. */
export function attachStoreMethods<Base extends EventEmitter>(
  store: Base,
  options: RedisStoreOptions,
): Base & RedisSessionStore {
  const operations = sessionOperations(resolveOptions(options), (error) => store.emit('corruptSession', error))
  const methods: Omit<RedisSessionStore, keyof EventEmitter | 'regenerate' | 'load' | 'createSession'> = {
    get: callbackOrPromise(operations.get),
    set: callbackOrPromise(operations.set),
    touch: callbackOrPromise(operations.touch),
    destroy: callbackOrPromise(operations.destroy),
    clear: callbackOrPromise(operations.clear),
    length: callbackOrPromise(operations.length),
    ids: callbackOrPromise(operations.ids),
    all: callbackOrPromise(operations.all),
    sessions: operations.sessions,
    userSessions: callbackOrPromise(operations.userSessions),
    destroyUserSessions: callbackOrPromise(operations.destroyUserSessions) as DestroyUserSessions,
  }
  return Object.assign(store, methods) as Base & RedisSessionStore
}

export type { StoreBase }
