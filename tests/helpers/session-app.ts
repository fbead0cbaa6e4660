import express, { type ErrorRequestHandler } from 'express'
import session from 'express-session'
import type { RedisSessionStore } from '../../src/index.js'
import { type Address, type ClientHandle, standaloneClients } from './clients.js'

export type ClientLibrary = keyof typeof standaloneClients

/** A connected client of the named library. */
export function connectClient(library: ClientLibrary, address: Address): Promise<ClientHandle> {
  return standaloneClients[library](address)
}

export interface VisitReply {
  /** How many times this session has visited, counting this visit. */
  visits: number
  /** Every field the application found in its session, beside the cookie. */
  fields: string[]
}

/**
 * An express 5 app with express-session on the given store. GET /visit counts visits in the session
 * and answers with what the session held; PUT /large/:length puts a string of that length in it.
 * Errors answer 500 with their code, and nothing else; `errors` lists the codes the app saw.
 */
export function sessionApp(store: RedisSessionStore | session.Store) {
  const app = express()
  const errors: string[] = []
  // Quiet: express logs the errors it handles unless its env is 'test'.
  app.set('env', 'test')
  app.use(
    session({
      store: store as unknown as session.Store,
      secret: 'a test secret',
      resave: false,
      saveUninitialized: false,
      name: 'sid',
    }),
  )
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
