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

/** A session returned by `all()` and `sessions()`: the stored data and its id. */
export type SessionWithId = SessionRecord & { id: string }

export type Callback<T> = (error: unknown, value?: T) => void
