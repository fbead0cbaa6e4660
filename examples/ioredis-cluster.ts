// Sessions on a Redis Cluster with ioredis; `new Redis({ sentinels, name })` for Sentinel is handed over the same way.
import express from 'express'
import session from 'express-session'
import { Cluster } from 'ioredis'
import { createRedisStore, requireSession } from 'redis-session-store'

const startupNodes = (process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7000,127.0.0.1:7001').split(',').map((address) => {
  const [host = '127.0.0.1', port = '7000'] = address.split(':')
  return { host, port: Number(port) }
})
// ioredis's own keyPrefix is fine too: the store lists and clears the keys under both prefixes.
const cluster = new Cluster(startupNodes, { keyPrefix: 'myapp:' })
cluster.on('error', (error) => console.error('redis cluster:', error.message))

const app = express()
app.use(
  session({
    store: createRedisStore({ client: cluster, prefix: 'sess:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())
app.get('/', (req, res) => {
  req.session.hits = (req.session.hits ?? 0) + 1
  res.send(`hits: ${req.session.hits}`)
})
app.listen(Number(process.env.PORT ?? 3000))

declare module 'express-session' {
  interface SessionData {
    hits: number
  }
}
