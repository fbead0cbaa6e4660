import express from 'express'
import session, { type SessionData } from 'express-session'
import { createClient } from 'redis'
import { createRedisStore, hashedIdOf, requireSession } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// Keys, and each user's index, hold SHA-256 hashes of the session ids: a dump, MONITOR, SLOWLOG or a
// traced Redis command shows nothing that signs anyone in. An existing deployment goes there in steps.
const store = createRedisStore({
  client,
  userId: (session: SessionData) => session.userId,
  hashSessionIds: true,
})

const app = express()
app.use(
  session({ store, secret: process.env.SESSION_SECRET ?? 'keyboard cat', resave: false, saveUninitialized: false }),
)
// While Redis is down, express-session runs routes without req.session: answer 503 instead of crashing on it.
app.use(requireSession())

// userSessions() returns hashed ids: the one asking is the one whose hashed id matches its own session id.
// (During the 'read' and 'migrate' steps a session not moved yet is still listed by its session id.)
app.get('/devices', async (req, res) => {
  const { userId } = req.session
  if (!userId) return void res.status(401).send('sign in first')
  const mine = [req.sessionID, hashedIdOf(req.sessionID)]
  const ids = await store.userSessions(userId)
  res.json(ids.map((id) => ({ session: id.slice(0, 7), current: mine.includes(id) })))
})

// A returned id is what destroy() takes: the admin page's "sign this device out".
app.post('/devices/:id/sign-out', async (req, res) => {
  const { userId } = req.session
  if (!userId || !(await store.userSessions(userId)).includes(req.params.id)) return void res.sendStatus(404)
  await store.destroy(req.params.id)
  res.sendStatus(204)
})

app.listen(3000)
