import type { EventEmitter } from 'node:events'
import type { RedisStoreClass } from './redis-store-class.js'
import type { StoreBase } from './store-base.js'

// Resolved at run time next to this file in dist/, so that both entries share one copy of the store.
const { redisStoreClassOn } = require('./index.cjs') as typeof import('../index.js')

/**
 * connect-redis's original entry: `const RedisStore = require('redis-session-store/connect')(session)`.
 * The class extends the Store of the express-session module passed in.
 */
function connectRedisStore(session: { Store: abstract new () => EventEmitter }): RedisStoreClass {
  return redisStoreClassOn(session.Store as StoreBase)
}

export = connectRedisStore
