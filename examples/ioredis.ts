import express from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import { createRedisStore } from 'redis-session-store'

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
client.on('error', (error) => console.error('redis:', error.message))

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
