import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'

/**
 * What a touch() did, as its tracing channel tells: `'touched'` (EXPIRE sent), `'skipped'` (nothing sent: the
 * key's known expiry was close enough, or touches are off), `'rewritten'` (outdated text written anew instead),
 * `'stale'` (the session was destroyed since it was loaded: nothing written), `'deleted'` (it had expired).
 */
export type TouchOutcome = 'touched' | 'skipped' | 'rewritten' | 'stale' | 'deleted'

/** How many sessions a process remembers expiries for; forgetting one only costs one EXPIRE. */
const TOUCH_MEMORY_SIZE = 10_000
/** And in how many bytes at most (ids are counted, at two bytes a character; each entry costs ENTRY_BYTES besides). */
const TOUCH_MEMORY_BYTES = 4 * 1024 * 1024
/** What an entry costs besides its id: the Map's slot, the entry object, its fingerprint, 28 characters. */
const ENTRY_BYTES = 160

/**
 * What stands for a stored text: its SHA-1, 20 bytes whatever the session's size (the text itself would make
 * 10,000 sessions of 24 KB cost 200 MiB). Another writer's text gives another fingerprint, but for a collision.
 */
const fingerprintOf = (text: string): string => createHash('sha1').update(text).digest('base64')

/**
 * What one process knows about when its sessions' keys expire in Redis, so that touch() can skip
 * an EXPIRE that would barely move the expiry. Every answer errs on the side of sending it.
 */
export interface TouchMemory {
  /** The moment a write is sent, for `wrote` (the memory's clock). */
  now(): number
  /** set() or touch() just gave the key of `sid`, holding `text`, `seconds` to live, starting at `since`. */
  wrote(sid: string, text: string | undefined, seconds: number, since: number): void
  /** get() just read `text` (or nothing usable, null) for `sid`. */
  read(sid: string, text: string | null): void
  /** Whether the key's expiry is already within touchAfter of where a touch for `seconds` would put it. */
  canSkipTouch(sid: string, seconds: number): boolean
  forget(sid: string): void
}

/** The clock the memory counts in: monotonic, like Redis's relative expiries, so wall-clock jumps don't matter. */
const monotonicNow = (): number => performance.now()

interface Known {
  /** No earlier than this (monotonic ms) does the key expire, as far as this process can tell. */
  expiresNoEarlierThan: number
  /** The fingerprint of the stored text the knowledge is about; another writer's different text voids it. */
  fingerprint: string
}

/**
 * With `touchAfter` N > 0, touch() is skipped while the key's known expiry is at most N seconds short of
 * where the touch would put it. Keys get exactly the session's own lifetime, never more: a session may so
 * end up to N seconds before its idle timeout, never after it (a cookie replayed after the timeout finds
 * nothing), and an active user's key is renewed at least every N seconds.
 *
 * The knowledge is only what this process itself wrote or touched: a stored cookie cannot tell it,
 * since express-session renews `cookie.expires` before every touch. Other instances sharing the
 * Redis learn the same way, so each sends at most one EXPIRE per session every N seconds.
 */
export function touchMemory(touchAfter: number, size = TOUCH_MEMORY_SIZE, bytes = TOUCH_MEMORY_BYTES): TouchMemory {
  if (touchAfter <= 0) return forgetful
  const leewayMs = touchAfter * 1000
  // A Map iterates in insertion order; re-inserting on use makes its first entry the least recently used.
  const known = new Map<string, Known>()
  let used = 0
  const costOf = (sid: string) => ENTRY_BYTES + sid.length * 2

  function forget(sid: string): void {
    if (known.delete(sid)) used -= costOf(sid)
  }

  function remember(sid: string, entry: Known): void {
    forget(sid)
    known.set(sid, entry)
    used += costOf(sid)
    while (known.size > size || (used > bytes && known.size > 0)) {
      const oldest = known.keys().next().value
      if (oldest === undefined) break
      forget(oldest)
    }
  }

  return {
    now: monotonicNow,
    wrote(sid, text, seconds, since) {
      const current = text === undefined ? known.get(sid)?.fingerprint : fingerprintOf(text)
      // A touch of a session this process never read or wrote: nothing to tie the knowledge to.
      if (current === undefined) return
      remember(sid, { expiresNoEarlierThan: since + seconds * 1000, fingerprint: current })
    },
    read(sid, text) {
      if (text === null) {
        forget(sid)
        return
      }
      const fingerprint = fingerprintOf(text)
      const previous = known.get(sid)
      // Same text as this process last wrote or saw: any write since then by another instance was a touch,
      // which only moves the expiry later. Different text: what this process knew no longer applies.
      const ours = previous?.fingerprint === fingerprint ? previous.expiresNoEarlierThan : Number.NEGATIVE_INFINITY
      // Kept even when nothing is known yet, so that the touch which follows can record what it sets.
      remember(sid, { expiresNoEarlierThan: ours, fingerprint })
    },
    canSkipTouch(sid, seconds) {
      const entry = known.get(sid)
      return entry !== undefined && entry.expiresNoEarlierThan >= monotonicNow() + seconds * 1000 - leewayMs
    },
    forget,
  }
}

const forgetful: TouchMemory = {
  now: () => 0,
  wrote: () => {},
  read: () => {},
  canSkipTouch: () => false,
  forget: () => {},
}
