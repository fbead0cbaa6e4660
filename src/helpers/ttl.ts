import type { SessionRecord } from './session.js'

export type TtlOption = number | ((session: SessionRecord) => number)

/**
 * Seconds a session should live: the ttl function's answer when ttl is a function, else what is
 * left of `cookie.expires`, else the ttl number. Fractions round up; a result that is not a positive
 * number (an expired cookie, an invalid date) means the session must not be kept.
 */
export const ttlFor =
  (ttl: TtlOption) =>
  (session: SessionRecord, now: number = Date.now()): number => {
    if (typeof ttl === 'function') return Math.ceil(ttl(session))
    const expires = session.cookie?.expires
    if (expires != null) return Math.ceil((expiryTime(expires) - now) / 1000)
    return ttl
  }

// express-session hands over a Date; a serializer may give back an ISO string. No new Date for a Date.
const expiryTime = (expires: Date | string): number =>
  expires instanceof Date ? expires.getTime() : new Date(expires).getTime()

/** Whether a result of `ttlFor` says the session is still alive (NaN and non-positive are not). */
export const isAlive = (seconds: number): boolean => seconds > 0
