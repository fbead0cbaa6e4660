/** What the store needs to know of a session cookie: when it expires, if it does. */
export interface SessionCookieData {
  expires?: Date | string | null | undefined
  maxAge?: number | null | undefined
  originalMaxAge?: number | null | undefined
  [field: string]: unknown
}

/** A session as express-session (or any other framework) hands it to the store. */
export interface SessionRecord {
  cookie: SessionCookieData
  [field: string]: unknown
}

/** A session returned by `all()` and `sessions()`: the stored data and its id. */
export type SessionWithId = SessionRecord & { id: string }

export type Callback<T> = (error: unknown, value?: T) => void
