import express from 'express'
import session from 'express-session'
import request from 'supertest'

export interface SessionAppOptions {
  store: session.Store
  rolling?: boolean
  maxAgeMs?: number
}

/** An Express app on express-session: /login puts a user in the session, /read only reads it. */
export function sessionApp({ store, rolling = false, maxAgeMs = 3_600_000 }: SessionAppOptions): express.Express {
  const app = express()
  app.use(
    session({
      store,
      secret: 'test secret',
      resave: false,
      saveUninitialized: false,
      rolling,
      cookie: { maxAge: maxAgeMs },
    }),
  )
  app.get('/login', (req, res) => {
    ;(req.session as unknown as { user: string }).user = 'ada'
    res.send('ok')
  })
  app.get('/read', (req, res) => {
    res.send(String((req.session as unknown as { user?: string }).user ?? 'nobody'))
  })
  return app
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
