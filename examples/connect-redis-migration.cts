// Moving from connect-redis: only the import changes.
//   before: const { RedisStore } = require('connect-redis')       (v8, v9)
//   before: const RedisStore = require('connect-redis').default   (v7)
//   before: const RedisStore = require('connect-redis')(session)  (v3 to v6; a legacyMode node-redis 4 client works as it is)
import session = require('express-session')
import redis = require('redis')
import store = require('redis-session-store')
import connect = require('redis-session-store/connect')

const client = redis.createClient()
void client.connect()

// connect-redis v8+ style
const modern = new store.RedisStore({ client, prefix: 'myapp:' })
// connect-redis v3 style
const LegacyRedisStore = connect(session)
const legacy = new LegacyRedisStore({ client })

// What connect-redis apps call at shutdown: store.client is the very client given.
process.once('SIGTERM', () => void modern.client.quit())

export = [session({ store: modern, secret: 'keyboard cat' }), session({ store: legacy, secret: 'keyboard cat' })]
