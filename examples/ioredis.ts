import express from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import { createRedisStore } from 'redis-session-store'

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
client.on('error', (error) => console.error('redis:', error.message))
// new Redis() is already connecting (client.connect() would throw "Redis is already connecting/connected"):
// wait for 'ready', so that the first requests get their sessions.
if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))

const app = express()
app.use(
  session({
    store: createRedisStore({ client }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
)
app.get('/', (_req, res) => {
  res.send('hello')
})
app.listen(3000)
