export { type CallbackOrPromise, callbackOrPromise } from './callback.js'
export { decode, encode, jsonSerializer, type Serializer } from './codec.js'
export { DEFAULT_TIMEOUT } from './deadline.js'
export { createEncryptedSerializer, type EncryptedSerializerOptions } from './encryption.js'
export { RedisSessionStoreError, type StoreErrorCode } from './errors.js'
export { escapeGlob, keyFor, scanPatternFor, sidFrom } from './keys.js'
export {
  type CorruptSessionPolicy,
  DEFAULT_PREFIX,
  DEFAULT_TTL,
  type RedisStoreOptions,
} from './options.js'
export { RedisStore, type RedisStoreClass, redisStoreClassOn } from './redis-store-class.js'
export {
  DEFAULT_MISSING_SESSION_MESSAGE,
  type RequestWithSession,
  type RequireSessionOptions,
  requireSession,
} from './require-session.js'
export { DEFAULT_SCAN_COUNT, type ScanKeysOptions, scanKeys } from './scan.js'
export type { Callback, SessionCookieData, SessionRecord, SessionWithId } from './session.js'
export { createRedisStore, type RedisSessionStore } from './store.js'
export { isAlive, type TtlOption, ttlFor } from './ttl.js'
export type { DestroyUserSessions, DestroyUserSessionsOptions, UserIdOption } from './user-index.js'
