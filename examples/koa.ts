// Koa with koa-session: the store's Koa view, store.koa, with sessions per user and a 503 while Redis is down.
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import session from 'koa-session'
import { createClient } from 'redis'
import { createRedisStore, type KoaSessionData } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// The userId function (and a ttl function) receive koa-session's data, as ctx.session.toJSON() holds it.
const store = createRedisStore({
  client,
  prefix: 'koa:',
  userId: (data: KoaSessionData) => data.userId as string | undefined,
})

const app = new Koa()
app.keys = [process.env.SESSION_SECRET ?? 'keyboard cat']

// koa-session does not catch the store's errors: without this, an outage answers 500. Placed before koa-session,
// it catches a failed load and a failed save (which comes after the route) alike.
app.use(async (ctx, next) => {
  try {
    await next()
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code !== 'ERR_STORE_NOT_CONNECTED' && code !== 'ERR_STORE_TIMEOUT') throw error
    ctx.status = 503
    ctx.set('Retry-After', '1')
    ctx.type = 'text/plain'
    ctx.body = 'Sessions are unavailable; try again in a moment.'
  }
})

// The key lives as long as koa-session's maxAge (plus the 10 s koa-session adds); with maxAge 'session', the ttl option.
app.use(session({ store: store.koa, maxAge: 14 * 24 * 60 * 60 * 1000 }, app))

app.use(async (ctx) => {
  const data = ctx.session
  if (!data) return
  if (ctx.path === '/login') {
    // A new key at sign-in, so that a key known before it (session fixation) is worth nothing.
    await data.regenerate()
    data.userId = String(ctx.query.user ?? '') // check the password here
    ctx.body = 'signed in'
  } else if (ctx.path === '/logout-others' && typeof data.userId === 'string') {
    // "Sign out other devices": every session of this user but this one (its key is koa-session's externalKey).
    ctx.body = { signedOut: await store.koa.destroyUserSessions(data.userId, { except: data.externalKey }) }
  } else if (ctx.path === '/logout') {
    ctx.session = null
    ctx.body = 'signed out'
  } else if (ctx.path === '/devices' && typeof data.userId === 'string') {
    ctx.body = { sessions: (await store.koa.userSessions(data.userId)).length }
  } else {
    data.views = (Number(data.views) || 0) + 1
    ctx.body = { views: data.views, user: data.userId ?? null }
  }
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.info(`listening on http://127.0.0.1:${port}`)
})
