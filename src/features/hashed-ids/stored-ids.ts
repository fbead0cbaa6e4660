import * as crypto from 'node:crypto'

/**
 * What a session's key holds after the prefix. `false`: the session id. `true`: its SHA-256, so that no
 * key, command or trace carries a session id. The two steps of a rolling upgrade between them: `'read'`
 * reads hashed keys too and still writes raw ones, `'migrate'` writes hashed keys and still reads raw ones,
 * moving each such session to its hashed key at its next save or touch.
 */
export type HashSessionIdsOption = boolean | 'read' | 'migrate'

/**
 * The first character of every hashed id. It is outside base64url (express-session's ids, and the hash's
 * own alphabet), hex and UUIDs, so that an id the store returned is never taken for a session id, and it
 * needs no escaping in a URL path or a Redis key.
 */
export const HASHED_ID_MARKER = '~'

// 256 bits in base64url: 42 characters of 6 bits, then one that carries the last 4 (so one of 16).
const HASHED_ID = /^~[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/

/** The id a session's key holds under `hashSessionIds`: the marker, then the SHA-256 of the session id in base64url. */
export const hashedIdOf = (sid: string): string => HASHED_ID_MARKER + sha256(sid)

// One call where Node.js has it (20.12 and later), at a third of the cost of createHash's three.
const sha256: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'base64url')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('base64url')

/**
 * The ids in the keys of a session ("stored ids", what the store returns from ids(), all(), sessions() and
 * userSessions(), and what the serializer binds): the session id itself, or its hashed id. Every method
 * takes either a session id or a stored id, and tells them apart by the marker.
 */
export interface StoredIds {
  /** The stored ids the session may be under, in the order they are read; a hashed id stands for itself. */
  of(sid: string): readonly string[]
  /** The stored id for a session this store did not read or write under any of them. */
  forNew(sid: string): string
  /** The hashed id a session on this raw stored id may have been moved to, in the modes that read both. */
  movedTo(id: string): string | undefined
  /** Whether a session on a raw stored id is moved to its hashed key at its next save or touch. */
  readonly moves: boolean
}

export function storedIdsFor(mode: HashSessionIdsOption): StoredIds {
  if (mode === false) return { of: (sid) => [sid], forNew: (sid) => sid, movedTo: () => undefined, moves: false }
  const readsRaw = mode === 'read' || mode === 'migrate'
  return {
    of(sid) {
      if (isHashedId(sid)) return [sid]
      const hashed = hashedIdOf(sid)
      return readsRaw ? [hashed, sid] : [hashed]
    },
    forNew(sid) {
      // A session id with the marker would be written as it is, in the clear: refused, rather than guessed at.
      if (isHashedId(sid)) {
        throw new TypeError(
          `redis-session-store: with hashSessionIds, an id that starts with "${HASHED_ID_MARKER}" is one the store ` +
            'returned, and this session was not read under it; a session id (genid) must not start with it',
        )
      }
      return mode === 'read' ? sid : hashedIdOf(sid)
    },
    movedTo: (id) => (readsRaw && !id.startsWith(HASHED_ID_MARKER) ? hashedIdOf(id) : undefined),
    moves: mode === 'migrate',
  }
}

// An id with the marker that is not a hash the store made is neither kind: refused, so that none is misread.
function isHashedId(id: string): boolean {
  if (!id.startsWith(HASHED_ID_MARKER)) return false
  if (!HASHED_ID.test(id)) {
    throw new TypeError(
      `redis-session-store: with hashSessionIds, an id that starts with "${HASHED_ID_MARKER}" must be one the ` +
        `store returned (the marker and 43 base64url characters); received one of ${id.length} characters`,
    )
  }
  return true
}
