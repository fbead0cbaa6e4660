// Sessions on a Sentinel-managed Redis with node-redis 5 or 6: the store follows the master the sentinels name.
import express from 'express'
import session from 'express-session'
import { createSentinel } from 'redis'
import { createRedisStore, requireSession } from 'redis-session-store'

const sentinelRootNodes = (process.env.REDIS_SENTINELS ?? '127.0.0.1:26379').split(',').map((address) => {
  const [host = '127.0.0.1', port = '26379'] = address.split(':')
  return { host, port: Number(port) }
})
const sentinel = createSentinel({ name: process.env.REDIS_MASTER_NAME ?? 'mymaster', sentinelRootNodes })
sentinel.on('error', (error) => console.error('redis sentinel:', error.message))
await sentinel.connect()

const app = express()
app.use(
  session({
    store: createRedisStore({ client: sentinel, prefix: 'myapp:sess:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())
app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  res.send(`visits: ${req.session.visits}`)
})
app.listen(Number(process.env.PORT ?? 3000))

declare module 'express-session' {
  interface SessionData {
    visits: number
  }
}
