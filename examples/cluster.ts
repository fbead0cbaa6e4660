// Sessions on a Redis Cluster with node-redis: hand the store the cluster client, keep your prefix.
import express from 'express'
import session from 'express-session'
import { createCluster } from 'redis'
import { createRedisStore, requireSession } from 'redis-session-store'

// A few nodes are enough: the client discovers the rest of the cluster from them.
const rootNodes = (process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7000,127.0.0.1:7001')
  .split(',')
  .map((address) => ({ url: `redis://${address}` }))
const cluster = createCluster({ rootNodes })
cluster.on('error', (error) => console.error('redis cluster:', error.message))
await cluster.connect()

const app = express()
app.use(
  session({
    store: createRedisStore({ client: cluster, prefix: 'myapp:sess:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())
app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  res.send(`views: ${req.session.views}`)
})
app.listen(Number(process.env.PORT ?? 3000))

declare module 'express-session' {
  interface SessionData {
    views: number
  }
}
