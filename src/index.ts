export type {
  GlideShape,
  IORedisShape,
  NodeRedisClientShape,
  NodeRedisClusterShape,
  NodeRedisSentinelShape,
  SupportedClient,
} from './client/supported-client.js'
export type { ExpressSessionDataOr } from './express-session-data.js'
export type { SaveOutcome } from './features/concurrent-saves/conditional-save.js'
export { createEncryptedSerializer } from './features/encryption/encrypted-serializer.js'
export type { EncryptedSerializerOptions } from './features/encryption/options.js'
export {
  HASHED_ID_MARKER,
  type HashSessionIdsOption,
  hashedIdOf,
} from './features/hashed-ids/stored-ids.js'
export type { KoaSessionData } from './features/koa/koa-record.js'
export type { TouchOutcome } from './features/lazy-touch.js'
export {
  DEFAULT_MISSING_SESSION_MESSAGE,
  type RequestWithSession,
  type RequireSessionOptions,
  requireSession,
} from './features/require-session.js'
export type {
  DestroyUserSessions,
  DestroyUserSessionsOptions,
  UserIdOption,
} from './features/user-sessions/user-index.js'
export { type CallbackOrPromise, callbackOrPromise } from './helpers/callback.js'
export { decode, encode, jsonSerializer, type ParseReport, type Serializer } from './helpers/codec.js'
export { RedisSessionStoreError, RevokeIncompleteError, type StoreErrorCode } from './helpers/errors.js'
export { escapeGlob, keyFor, scanPatternFor, sidFrom } from './helpers/keys.js'
export { DEFAULT_SCAN_COUNT, type ScanKeysOptions, scanKeys } from './helpers/scan.js'
export type { Callback, SessionCookieData, SessionRecord, SessionWithId, StoredSession } from './helpers/session.js'
export { isAlive, type TtlOption, ttlFor } from './helpers/ttl.js'
export type { ConnectRedisProperties } from './store/connect-redis-properties.js'
export { createRedisStore, type RedisSessionStore } from './store/create-store.js'
export { DEFAULT_TIMEOUT } from './store/deadline.js'
export type { KoaMaxAge, KoaSessionStore, KoaStoreCallOptions } from './store/koa-store.js'
export {
  type CorruptSessionPolicy,
  DEFAULT_PREFIX,
  DEFAULT_TTL,
  type RedisStoreOptions,
} from './store/options.js'
export { RedisStore, type RedisStoreClass, redisStoreClassOn } from './store/redis-store-class.js'
export type { StoreCallContext } from './store/tracing.js'
