import type { ExpressSessionDataOr } from '../express-session-data.js'

/** What the store needs to know of a session cookie: when it expires, if it does. */
export interface SessionCookieData {
  expires?: Date | string | null | undefined
  maxAge?: number | null | undefined
  originalMaxAge?: number | null | undefined
}

/**
 * A session as express-session (or any other framework) hands it to the store. Only the cookie is
 * the store's business; no index signature, so that express-session's SessionData fits as it is.
 */
export interface SessionRecord {
  cookie: SessionCookieData
}

/**
 * The session type of a store by default: express-session's SessionData when @types/express-session is installed,
 * so that the fields an app declares on it (declaration merging) are typed in what get(), all() and sessions()
 * return; SessionRecord without it. Other frameworks name theirs: `createRedisStore<typeof client, Session>()`.
 */
export type StoredSession = ExpressSessionDataOr<SessionRecord>

/** A session returned by `all()` and `sessions()`: the stored data and its id. */
export type SessionWithId<Session extends SessionRecord = SessionRecord> = Session & { id: string }

export type Callback<T> = (error: unknown, value?: T) => void
