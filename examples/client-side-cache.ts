import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { createRedisStore } from 'redis-session-store'

// RESP3 and a client-side cache (node-redis 5 or 6): Redis remembers which keys this client read and
// pushes an invalidation when any client changes, deletes or expires one of them.
const client = createClient({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  RESP: 3,
  clientSideCache: { ttl: 0, maxEntries: 10_000 },
})
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

const app = express()
app.use(
  session({
    // get() is one plain GET, which the cache answers; touchAfter spares the EXPIRE. An unchanged
    // returning visitor then usually costs no round trip to Redis at all.
    store: createRedisStore({ client, touchAfter: 60 }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 30 * 60 * 1000 },
  }),
)

app.get('/', (_req, res) => {
  res.send(`client-side cache hits so far: ${client.clientSideCache?.stats().hitCount ?? 0}`)
})

app.listen(3000)
