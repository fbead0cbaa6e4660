import express, { type ErrorRequestHandler } from 'express'
import session from 'express-session'
import request from 'supertest'
import { type RedisSessionStore, type RequireSessionOptions, requireSession } from '../../src/index.js'
import { type ListeningApp, onLoopback } from './loopback.js'

export type { ListeningApp } from './loopback.js'

declare module 'express-session' {
  interface SessionData {
    count: number
  }
}

/**
 * The base of every Express app in the tests: express 5 with express-session on the store (resave and
 * saveUninitialized off, as the README recommends), options given win. The caller adds its routes.
 */
export function expressWithSession(
  store: RedisSessionStore | session.Store,
  options: Partial<session.SessionOptions> = {},
) {
  const app = express()
  // Quiet: express logs the errors it handles unless its env is 'test'.
  app.set('env', 'test')
  app.use(
    session({
      store: store as session.Store,
      secret: 'a test secret',
      resave: false,
      saveUninitialized: false,
      ...options,
    }),
  )
  return app
}

export interface VisitReply {
  /** How many times this session has visited, counting this visit. */
  visits: number
  /** Every field the application found in its session, beside the cookie. */
  fields: string[]
}

/**
 * GET /visit counts visits in the session and answers with what the session held; PUT /large/:length
 * puts a string of that length in it. Errors answer 500 with their code as JSON, and nothing else;
 * `errors` lists the codes the app saw.
 */
export function visitCountingApp(store: RedisSessionStore | session.Store) {
  const app = expressWithSession(store)
  const errors: string[] = []
  app.get('/visit', (req, res) => {
    const data = req.session as unknown as Record<string, unknown>
    const fields = Object.keys(data).filter((field) => field !== 'cookie')
    const visits = (typeof data.visits === 'number' ? data.visits : 0) + 1
    data.visits = visits
    res.json({ visits, fields } satisfies VisitReply)
  })
  app.put('/large/:length', (req, res) => {
    ;(req.session as unknown as Record<string, unknown>).large = 'x'.repeat(Number(req.params.length))
    res.json({ ok: true })
  })
  const answerWithCode: ErrorRequestHandler = (error, _req, res, next) => {
    const code = (error as { code?: string }).code ?? 'unknown'
    errors.push(code)
    // A failed save is reported after the response has started: express then ends the connection.
    if (res.headersSent) return next(error)
    res.status(500).json({ code })
  }
  app.use(answerWithCode)
  return { app, errors }
}

export interface SignInAppOptions {
  store: session.Store
  rolling?: boolean
  maxAgeMs?: number
}

/** GET /login puts a user in the session, GET /read only reads it ('nobody' without one). */
export function signInApp({ store, rolling = false, maxAgeMs = 3_600_000 }: SignInAppOptions): express.Express {
  const app = expressWithSession(store, { rolling, cookie: { maxAge: maxAgeMs } })
  app.get('/login', (req, res) => {
    ;(req.session as unknown as { user: string }).user = 'ada'
    res.send('ok')
  })
  app.get('/read', (req, res) => {
    res.send(String((req.session as unknown as { user?: string }).user ?? 'nobody'))
  })
  return app
}

/**
 * On loopback: `/open` says whether the request has a session; behind requireSession, `/count` counts
 * the visits of a session. Errors answer 500 with their code as text.
 */
export async function startRequireSessionApp(
  store: RedisSessionStore,
  options?: RequireSessionOptions,
): Promise<ListeningApp> {
  const app = expressWithSession(store)
  app.get('/open', (req, res) => {
    res.send(req.session ? 'session' : 'no session')
  })
  app.use(requireSession(options))
  // Saved before answering, so that a 200 means the store acknowledged the new count.
  app.get('/count', (req, res, next) => {
    const count = (req.session.count ?? 0) + 1
    req.session.count = count
    req.session.save((error) => (error ? next(error) : res.send(String(count))))
  })
  const answerWithCode: ErrorRequestHandler = (error, req, res, _next) => {
    // express-session reports a touch that failed after the response was written, and then finishes it itself.
    if (res.headersSent) return
    // Without a session, express-session writes nothing more as this answer ends: a save that failed counts as
    // saved, so it would touch the session, fail again, and report that to the final handler, which cuts the connection.
    Reflect.deleteProperty(req, 'session')
    res.status(500).send(String((error as { code?: unknown }).code ?? 'error'))
  }
  app.use(answerWithCode)
  return onLoopback(app.listen(0, '127.0.0.1'))
}

/** A browser-like visitor: keeps the session cookie it is given. */
export function visitor(url: string) {
  let cookie = ''
  return async (path: string) => {
    const response = await fetch(url + path, { headers: cookie ? { cookie } : {} })
    const setCookie = response.headers.get('set-cookie')
    if (setCookie) cookie = setCookie.split(';')[0] ?? ''
    return { status: response.status, body: await response.text(), headers: response.headers }
  }
}
export interface Visit {
  body: string
  /** The session cookie as a Cookie header, when the response set one. */
  cookie: string | undefined
  /** The cookie's Expires attribute, when the response set one. */
  expires: Date | undefined
}

/** One HTTP request to the app, optionally with a session cookie. */
export async function visit(app: express.Express, path: string, cookie?: string): Promise<Visit> {
  const call = request(app).get(path)
  if (cookie) call.set('Cookie', cookie)
  const response = await call
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]
  const expires = setCookie ? /Expires=([^;]+)/i.exec(setCookie)?.[1] : undefined
  return {
    body: response.text,
    cookie: setCookie?.split(';')[0],
    expires: expires ? new Date(expires) : undefined,
  }
}

/** The session id inside a signed express-session cookie header ("connect.sid=s%3A<sid>.<signature>"). */
export const sidIn = (cookie: string | undefined): string =>
  decodeURIComponent(cookie?.split('=')[1] ?? '')
    .slice(2)
    .split('.')[0] ?? ''
