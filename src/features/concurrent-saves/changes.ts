import { dequal } from 'dequal'
import type { SessionRecord } from '../../helpers/session.js'

/** A session as the application sees it: its cookie and whatever fields it keeps. */
type Fields = SessionRecord & Record<string, unknown>

/**
 * The top-level keys a request changed, added or deleted, compared with the state its session was loaded
 * in (decoded afresh from the snapshot, never the object the application has been mutating: a push into a
 * nested array is a change of its top-level key). The cookie is not among them: see `cookieChanged`.
 */
export function changedKeys(loaded: Fields, saving: Fields): string[] {
  const changed: string[] = []
  for (const key of new Set([...Object.keys(loaded), ...Object.keys(saving)])) {
    if (key !== 'cookie' && !dequal(loaded[key], saving[key])) changed.push(key)
  }
  return changed
}

/**
 * Whether the cookie changed other than by its expiry, which express-session renews on every request and
 * the key's TTL carries. A new maxAge ("remember me") or path is a change that must be written.
 */
export function cookieChanged(loaded: SessionRecord, saving: SessionRecord): boolean {
  return !dequal(cookieSettings(loaded.cookie), cookieSettings(saving.cookie))
}

/** Of `changed`, the keys that another writer changed too since `loaded`: the later save wins them. */
export const contestedKeys = (changed: readonly string[], loaded: Fields, stored: Fields): string[] =>
  changed.filter((key) => !dequal(loaded[key], stored[key]))

/** What is stored now, with this request's changed keys (a deleted key deleted) and its cookie. */
export function withChanges(stored: Fields, saving: Fields, changed: readonly string[]): Fields {
  const merged: Fields = { ...stored, cookie: saving.cookie }
  for (const key of changed) {
    if (saving[key] === undefined) delete merged[key]
    else merged[key] = saving[key]
  }
  return merged
}

// As stored: express-session's Cookie through its toJSON, without the keys JSON would drop.
function cookieSettings(cookie: unknown): unknown {
  if (typeof cookie !== 'object' || cookie === null) return cookie
  const { expires: _renewedEveryRequest, ...settings } = JSON.parse(JSON.stringify(cookie)) as Record<string, unknown>
  return settings
}
