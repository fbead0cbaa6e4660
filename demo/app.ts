import { setTimeout as sleep } from 'node:timers/promises'
import express, { type NextFunction, type Request, type Response } from 'express'
import session from 'express-session'
import { type RedisSessionStore, requireSession, type SessionWithId } from '../src/index.js'
import { type CommandCounter, describeCounts, writesIn } from './command-count.js'
import {
  adminPage,
  errorPage,
  homePage,
  MAX_RECENT_REQUESTS,
  plugPage,
  type RequestCost,
  type SessionRow,
  sessionsPage,
  signInPage,
  unavailablePage,
} from './pages.js'
import type { Plug } from './plug.js'
import { type DemoSessionData, userOf } from './session-data.js'
import { type KeyReader, storedSessions } from './stored-sessions.js'

export const SESSION_COOKIE = 'demo.sid'
const DAY_MS = 24 * 60 * 60 * 1000
const ADMIN_SAMPLE_SIZE = 10
const MAX_NAME_LENGTH = 64
export const DEFAULT_SLOW_REQUEST_MS = 5_000
export const DEFAULT_OUTAGE_MS = 5_000
export const MAX_OUTAGE_MS = 60_000
/** However it is configured, a slow request holds its connection no longer than this. */
export const MAX_SLOW_REQUEST_MS = 30_000
const REVOKED_NOTICE =
  'You were signed out while your slow request was running: its session was revoked, and the store did not write it back.'

export interface DemoAppOptions {
  store: RedisSessionStore
  /** Signs the session cookie; it must stay the same across restarts for sessions to survive them. */
  secret: string
  /** How long the slow request holds before it saves (default 5 s, at most 30 s). */
  slowRequestMs?: number
  /** Counts the commands each request sends; the store's client must be the one it wrapped. */
  commands: CommandCounter
  /** The store's Redis, on a client of its own, for the admin page to read keys without counting them. */
  redis: KeyReader
  /** The store's key prefix. */
  prefix: string
  /** The demo's own Redis, to stop and start again; undefined when it runs on a Redis of someone else's. */
  plug?: Plug | undefined
  /** How long a pulled plug keeps Redis stopped (default 5 s, at most 60 s). */
  outageMs?: number
  /** Whether the store's client is connected to Redis now. */
  connected: () => boolean
  /** The store's timeout, for the pull-the-plug page to compare its answers with. */
  timeoutMs: number
}

/** The demo's Express app: every page, on express-session with the given store. */
export function demoApp(options: DemoAppOptions): express.Express {
  const { store, secret, slowRequestMs = DEFAULT_SLOW_REQUEST_MS, commands, redis, prefix, plug } = options
  const holdMs = Math.min(Math.max(slowRequestMs, 0), MAX_SLOW_REQUEST_MS)
  const outageMs = Math.min(Math.max(options.outageMs ?? DEFAULT_OUTAGE_MS, 0), MAX_OUTAGE_MS)
  let staleSessions = 0
  store.on('staleSession', () => {
    staleSessions++
  })
  const app = express()
  app.disable('x-powered-by')
  // Browsers ask for an icon on every page; answered before the session, it neither reads nor writes one.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end())
  // Before the session: these answer while Redis is down, and are what the page polls to tell what is happening.
  app.get(
    '/plug',
    (_req, res) => void res.send(plugPage({ available: plug !== undefined, outageMs, timeoutMs: options.timeoutMs })),
  )
  app.get('/plug/status', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .json({ ...(plug?.status() ?? { state: 'up' }), connected: options.connected() })
  })
  app.post('/plug/pull', (_req, res) => {
    plug?.pull(outageMs)
    res.redirect(303, '/plug')
  })

  const recentRequests: RequestCost[] = []
  // Before express-session, so that the count includes its load and its save (done before the response finishes).
  app.use((req, res, next) => {
    const counts = commands.track(next)
    res.once('finish', () => {
      if (req.path === '/admin') return
      // A signed-in request that wrote nothing had its session loaded and unchanged: its touch() was skipped.
      const touchSkipped = req.session?.user !== undefined && writesIn(counts) === 0
      recentRequests.unshift({ method: req.method, path: req.path, commands: describeCounts(counts), touchSkipped })
      recentRequests.length = Math.min(recentRequests.length, MAX_RECENT_REQUESTS)
    })
  })
  app.use(express.urlencoded({ extended: false, limit: '4kb' }))
  app.use(
    session({
      store,
      secret,
      name: SESSION_COOKIE,
      resave: false,
      saveUninitialized: false,
      // SameSite=Lax keeps other sites from posting the demo's forms with the user's cookie.
      cookie: { maxAge: DAY_MS, httpOnly: true, sameSite: 'lax' },
    }),
  )
  // While Redis is down the store says 'disconnect' and express-session runs requests without a session: they are
  // answered here, at once, rather than by routes that would read a session they do not have.
  app.use(requireSession({ onMissing: (_req, res) => void sessionsUnavailable(res as Response) }))
  app.use(noteLastSeen)

  // What the pull-the-plug page polls: the session as Redis gives it back, read without changing it.
  app.get('/me', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ user: req.session.user ?? null, visits: req.session.visits ?? 0 })
  })

  app.get('/', (req, res) => {
    const user = req.session.user
    if (!user) {
      const revoked = req.query.revoked === 'slow-request'
      return void res.send(signInPage({ notice: revoked ? REVOKED_NOTICE : undefined }))
    }
    const visits = (req.session.visits ?? 0) + 1
    req.session.visits = visits
    const { slowRequests = 0, slowRequestFinishedAt } = req.session
    const pullThePlug = plug !== undefined
    res.send(homePage({ user, visits, slowRequestMs: holdMs, slowRequests, slowRequestFinishedAt, pullThePlug }))
  })

  app.post('/sign-in', async (req, res) => {
    const name = String(req.body?.name ?? '').trim()
    if (name === '' || name.length > MAX_NAME_LENGTH) {
      return void res.status(400).send(signInPage({ error: `Type a name of 1 to ${MAX_NAME_LENGTH} characters.` }))
    }
    // A new session id at sign-in, so that an id planted before it (session fixation) is worth nothing.
    await promised((done) => req.session.regenerate(done))
    const now = Date.now()
    const data: DemoSessionData = { user: name, visits: 0, signedInAt: now, lastSeen: now, browser: browserOf(req) }
    Object.assign(req.session, data)
    res.redirect(303, '/')
  })

  app.post('/sign-out', async (req, res) => {
    await promised((done) => req.session.destroy(done))
    res.clearCookie(SESSION_COOKIE).redirect(303, '/')
  })

  app.get('/sessions', signedIn, async (req, res) => {
    const user = req.session.user as string
    const signedOut = Number(req.query.signedOut)
    const notice = Number.isInteger(signedOut)
      ? `Signed out ${signedOut} other ${plural(signedOut, 'session')}.`
      : undefined
    res.send(sessionsPage(user, req.sessionID, await sessionRows(store, user), notice))
  })

  app.post('/sessions/sign-out-others', signedIn, async (req, res) => {
    const count = await store.destroyUserSessions(req.session.user as string, { except: req.sessionID })
    res.redirect(303, `/sessions?signedOut=${count}`)
  })

  app.post('/sessions/sign-out-everywhere', signedIn, async (req, res) => {
    await store.destroyUserSessions(req.session.user as string)
    // This browser's session is gone from Redis too; destroying it here keeps express-session from saving it again.
    await promised((done) => req.session.destroy(done))
    res.clearCookie(SESSION_COOKIE).redirect(303, '/')
  })

  // A request that outlives a sign-out elsewhere, as a slow upload would: its session was loaded before the sign-out.
  app.post('/slow-request', signedIn, async (req, res) => {
    console.log(`demo: a slow request is holding for ${holdMs} ms`)
    await sleep(holdMs)
    req.session.slowRequests = (req.session.slowRequests ?? 0) + 1
    req.session.slowRequestFinishedAt = Date.now()
    // Saved before responding, rather than by express-session after it, so that the response can tell what became of it.
    await promised((done) => req.session.save(done))
    if (await store.get(req.sessionID)) {
      console.log('demo: a slow request finished, and its change was saved')
      return void res.redirect(303, '/')
    }
    console.log('demo: a slow request finished after its session was revoked: its change was not written back')
    await promised((done) => req.session.destroy(done))
    res.clearCookie(SESSION_COOKIE).redirect(303, '/?revoked=slow-request')
  })

  app.get('/admin', async (req, res) => {
    const found = await sample(store.sessions(), ADMIN_SAMPLE_SIZE)
    const stored = await storedSessions(
      redis,
      prefix,
      found.map(({ sid }) => sid),
    )
    const rows = found.map(({ user }, i) => ({ user, stored: stored[i] }))
    const view = { user: req.session.user, count: await store.length(), sample: rows, staleSessions, recentRequests }
    res.send(adminPage(view))
  })

  app.use((_req, res) => void res.status(404).send(errorPage(404, 'There is no such page.')))
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    console.error('demo: request failed:', error)
    res.status(500).send(errorPage(500, error instanceof Error ? error.message : String(error)))
  })
  return app
}

function sessionsUnavailable(res: Response): void {
  res.status(503).set('Retry-After', '1').send(unavailablePage())
}

// To the minute, as "last seen" is shown: a request within the minute leaves the session unchanged, which costs no
// write (express-session calls touch(), and the store's touchAfter skips its EXPIRE).
const LAST_SEEN_PRECISION_MS = 60_000
function noteLastSeen(req: Request, _res: Response, next: NextFunction) {
  const { user, lastSeen = 0 } = req.session
  const now = Date.now()
  if (user && now - lastSeen >= LAST_SEEN_PRECISION_MS) req.session.lastSeen = now
  next()
}

function signedIn(req: Request, res: Response, next: NextFunction) {
  if (req.session.user) next()
  else res.redirect(303, '/')
}

async function sessionRows(store: RedisSessionStore, user: string): Promise<SessionRow[]> {
  const sids = await store.userSessions(user)
  const sessions = await Promise.all(sids.map(async (sid) => ({ sid, stored: await store.get(sid) })))
  const rows: SessionRow[] = []
  for (const { sid, stored } of sessions) {
    // A session that expired since the index was read is simply not shown.
    if (!stored) continue
    const data = stored as typeof stored & Partial<DemoSessionData>
    rows.push({
      sid,
      browser: data.browser ?? 'unknown',
      signedInAt: data.signedInAt ?? 0,
      lastSeen: data.lastSeen ?? 0,
      expires: expiryOf(stored),
    })
  }
  return rows.sort((a, b) => a.signedInAt - b.signedInAt)
}

/** The first `size` sessions the iterator yields; leaving the loop early stops the SCAN. */
async function sample(sessions: AsyncIterable<SessionWithId>, size: number) {
  const found: Array<{ sid: string; user: string | undefined }> = []
  if (size <= 0) return found
  for await (const stored of sessions) {
    found.push({ sid: stored.id, user: userOf(stored) })
    if (found.length >= size) break
  }
  return found
}

function expiryOf(stored: { cookie: { expires?: Date | string | null | undefined } }): number | undefined {
  const expires = stored.cookie.expires
  return expires == null ? undefined : new Date(expires).getTime()
}

/** A short name for the browser, from its User-Agent header. */
function browserOf(req: Request): string {
  const agent = req.get('user-agent') ?? ''
  const known = /(Firefox|Edg|OPR|Chrome|Chromium|Safari|curl)\/[\d.]+/.exec(agent)?.[0]
  const headless = agent.includes('Headless') ? ' (headless)' : ''
  return known ? `${known.split('.')[0]}${headless}` : agent.slice(0, 40) || 'unknown'
}

const plural = (count: number, word: string) => (count === 1 ? word : `${word}s`)

function promised(start: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())))
}
