import type { AddressInfo } from 'node:net'
import express, { type ErrorRequestHandler } from 'express'
import session from 'express-session'
import { type RedisSessionStore, type RequireSessionOptions, requireSession } from '../../src/index.js'

declare module 'express-session' {
  interface SessionData {
    count: number
  }
}

export interface SessionApp {
  url: string
  close(): Promise<void>
}

/**
 * An express 5 app with express-session on the store, on loopback: `/open` says whether the request
 * has a session; behind requireSession, `/count` counts the visits of a session.
 */
export async function startSessionApp(store: RedisSessionStore, options?: RequireSessionOptions): Promise<SessionApp> {
  const app = express()
  app.use(session({ store, secret: 'test secret', resave: false, saveUninitialized: false }))
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
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
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
