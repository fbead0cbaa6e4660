import express from 'express'
import session, { type SessionData } from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, RevokeIncompleteError, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// The store files each session under its user; a session nobody has signed in to is not filed. A user has at most
// 5 sessions: signing in on a sixth device signs out the one used least recently.
const store = createRedisStore({ client, userId: (session: SessionData) => session.userId, maxSessionsPerUser: 5 })
store.on('sessionsEvicted', ({ userId, count }) => console.log(`signed ${userId} out of ${count} older device(s)`))

const app = express()
app.use(express.urlencoded({ extended: false }))
app.use(
  session({
    store,
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 14 * 24 * 60 * 60 * 1000 },
  }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

app.post('/login', (req, res, next) => {
  const userId = String(req.body.user ?? '') // check the password here
  // A new session id at sign-in, so that an id known before it (session fixation) is worth nothing.
  req.session.regenerate((error) => {
    if (error) return next(error)
    req.session.userId = userId
    res.redirect('/devices')
  })
})

// "Where am I signed in": the ids of every live session of this user, this one marked.
app.get('/devices', async (req, res) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  const sids = await store.userSessions(userId)
  res.json(sids.map((sid) => ({ session: sid.slice(0, 6), current: sid === req.sessionID })))
})

// "Sign out other devices": every session of this user but the one making the request.
app.post('/logout-others', async (req, res) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  const signedOut = await store.destroyUserSessions(userId, { except: req.sessionID })
  res.json({ signedOut })
})

// "Log out everywhere": the others through the store, this one through express-session,
// which also forgets it for the rest of this request (so it is not saved again on the way out).
app.post('/logout-everywhere', async (req, res, next) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  const others = await store.destroyUserSessions(userId, { except: req.sessionID })
  req.session.destroy((error) => {
    if (error) return next(error)
    res.clearCookie('connect.sid').json({ signedOut: others + 1 })
  })
})

// After a password change, every other session must end. Should Redis refuse some of them (a cluster node down),
// the others are destroyed all the same, and the error says how many are left: the user is asked to try again.
app.post('/password', async (req, res, next) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  // change the password here
  try {
    res.json({ signedOut: await store.destroyUserSessions(userId, { except: req.sessionID }) })
  } catch (error) {
    if (!(error instanceof RevokeIncompleteError)) return next(error)
    res.status(503).json({ signedOut: error.destroyed, notYet: error.failed })
  }
})

app.listen(3000)

declare module 'express-session' {
  interface SessionData {
    userId: string
  }
}
