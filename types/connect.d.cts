// Hand-written because the bundler's declaration step turns `export =` into a default export,
// and this entry is CommonJS's `module.exports = function` by design.
import type { EventEmitter } from 'node:events'
import type { RedisStoreClass } from '../dist/index.cjs'

/**
 * connect-redis's original entry: `const RedisStore = require('redis-session-store/connect')(session)`.
 * The class extends the Store of the express-session module passed in.
 */
declare function connectRedisStore(session: { Store: abstract new () => EventEmitter }): RedisStoreClass
export = connectRedisStore
