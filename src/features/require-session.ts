import type { IncomingMessage, ServerResponse } from 'node:http'
import { optionError } from '../helpers/errors.js'

/** A request as express-session leaves it: with a session, or without one when the store was disconnected. */
export type RequestWithSession = IncomingMessage & { session?: unknown }

export type NextFunction = (error?: unknown) => void

export interface RequireSessionOptions {
  /** HTTP status of the answer when the request has no session. Default 503. */
  status?: number
  /** Seconds for the Retry-After header of that answer; 0 sends none. Default 1. */
  retryAfter?: number
  /** Body of that answer, as plain text. Default 'Sessions are unavailable; try again shortly.' */
  message?: string
  /** Instead of answering, handle a request without a session yourself (call next(error), render a page...). */
  onMissing?: (req: RequestWithSession, res: ServerResponse, next: NextFunction) => void
}

export const DEFAULT_MISSING_SESSION_MESSAGE = 'Sessions are unavailable; try again shortly.'

/**
 * Middleware to place after express-session. While the store is disconnected, express-session lets
 * requests through without `req.session`; this answers them with a 503 (or the status, or handler,
 * given) instead of letting routes that rely on a session run without one.
 */
export function requireSession(options: RequireSessionOptions = {}) {
  const { status, retryAfter, message, onMissing } = checked(options)
  return function requireSessionMiddleware(req: RequestWithSession, res: ServerResponse, next: NextFunction): void {
    if (req.session) {
      next()
    } else if (onMissing) {
      onMissing(req, res, next)
    } else {
      answer(res, status, retryAfter, message)
    }
  }
}

function answer(res: ServerResponse, status: number, retryAfter: number, message: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  if (retryAfter > 0) res.setHeader('Retry-After', String(retryAfter))
  res.end(message)
}

function checked(options: RequireSessionOptions) {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object', options)
  const { status = 503, retryAfter = 1, message = DEFAULT_MISSING_SESSION_MESSAGE, onMissing } = options
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw optionError('status', 'an HTTP error status from 400 to 599', status)
  }
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0) {
    throw optionError('retryAfter', 'a non-negative integer number of seconds', retryAfter)
  }
  if (typeof message !== 'string') throw optionError('message', 'a string', message)
  if (onMissing !== undefined && typeof onMissing !== 'function') {
    throw optionError('onMissing', 'a function (req, res, next)', onMissing)
  }
  return { status, retryAfter, message, onMissing }
}
