import { GlideClient } from '@valkey/valkey-glide'
import express from 'express'
import session from 'express-session'
import { createRedisStore, requireSession } from 'redis-session-store'

// createClient resolves once the client is connected. GLIDE has no events: the store tells 'disconnect' and
// 'connect' from its commands' outcomes, and fails fast meanwhile.
const client = await GlideClient.createClient({
  addresses: [{ host: process.env.VALKEY_HOST ?? '127.0.0.1', port: Number(process.env.VALKEY_PORT ?? 6379) }],
})

const store = createRedisStore({ client, prefix: 'myapp:' })
store.on('disconnect', () => console.error('session store: disconnected'))
store.on('connect', () => console.info('session store: connected'))

const app = express()
app.use(
  session({
    store,
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 24 * 60 * 60 * 1000 },
  }),
)
// While Valkey is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  res.send(`views: ${req.session.views}`)
})

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address()
  console.info(`listening on http://localhost:${typeof address === 'object' && address ? address.port : ''}/`)
})

// A GLIDE client keeps the process alive until it is closed.
process.once('SIGTERM', () => server.close(() => client.close()))

declare module 'express-session' {
  interface SessionData {
    views: number
  }
}
