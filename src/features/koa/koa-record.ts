import type { SessionRecord } from '../../helpers/session.js'

/**
 * A session as koa-session hands it to its store (`ctx.session.toJSON()`): the application's fields, and
 * koa-session's own `_expire` and `_maxAge` (milliseconds), or `_session` for a browser-session cookie.
 */
export interface KoaSessionData {
  _expire?: number
  _maxAge?: number
  _session?: true
  [field: string]: unknown
}

/**
 * The cookie of a Koa session as the store's engine sees it: koa-session's own fields, where express-session keeps
 * its cookie. `expires` (koa-session's `_expire`) changes on every save, as express-session's does, and is not
 * compared by a save; `originalMaxAge` (`_maxAge`) changes only when the application changes `ctx.session.maxAge`.
 */
interface KoaCookie {
  expires: Date | null
  originalMaxAge: number | null
  session?: true
}

// koa-session leaves every field that starts with `_` out of toJSON(), so no field of the application's is
// called this: a field the application calls `cookie` waits here while the engine's cookie takes its place.
const APPLICATION_COOKIE = '_cookie'

/** Koa data as the engine's session record: the same fields, koa-session's own in the cookie's place. */
export function recordFromKoa(data: KoaSessionData): SessionRecord {
  const record: Record<string, unknown> = {}
  for (const field of Object.keys(data)) {
    if (field === '_expire' || field === '_maxAge' || field === '_session') continue
    record[field === 'cookie' ? APPLICATION_COOKIE : field] = data[field]
  }
  const cookie: KoaCookie = {
    expires: data._expire === undefined ? null : new Date(data._expire),
    originalMaxAge: data._maxAge ?? null,
  }
  if (data._session === true) cookie.session = true
  record.cookie = cookie
  return record as unknown as SessionRecord
}

/** The engine's record as koa-session's data again, field for field. */
export function koaFromRecord(record: SessionRecord): KoaSessionData {
  const data: KoaSessionData = {}
  const fields = record as unknown as Record<string, unknown>
  for (const field of Object.keys(fields)) {
    if (field === 'cookie') continue
    data[field === APPLICATION_COOKIE ? 'cookie' : field] = fields[field]
  }
  const cookie = record.cookie as Partial<KoaCookie>
  if (cookie.expires != null) data._expire = new Date(cookie.expires).getTime()
  if (typeof cookie.originalMaxAge === 'number') data._maxAge = cookie.originalMaxAge
  if (cookie.session === true) data._session = true
  return data
}

/**
 * What the stored text held is koa-session's data: an object whose own fields, if there, have koa-session's types.
 * Anything else is no Koa session (a value another program keeps under the prefix), so it is not handed to Koa.
 */
export function isKoaSessionData(value: unknown): value is KoaSessionData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { _expire, _maxAge, _session } = value as KoaSessionData
  return (
    (_expire === undefined || Number.isFinite(_expire)) &&
    (_maxAge === undefined || Number.isFinite(_maxAge)) &&
    (_session === undefined || _session === true)
  )
}
