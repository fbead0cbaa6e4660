import { performance } from 'node:perf_hooks'
import type { SessionClient } from '../../client/types.js'
import { storeError } from '../../helpers/errors.js'
import type { SessionRecord } from '../../helpers/session.js'
import type { TouchMemory, TouchOutcome } from '../lazy-touch.js'
import { withIndexUpdate } from '../user-sessions/with-index-update.js'
import { changedKeys, contestedKeys, cookieChanged, withChanges } from './changes.js'
import { compareAndSet } from './compare-and-set.js'
import type { Snapshot, SnapshotMemory } from './snapshot.js'

/**
 * How many times a save tries again when other requests keep writing the session between its tries. Each
 * try that fails means another save succeeded, so only that many overlapping writers can make it give up:
 * a page that fires a few dozen requests at once (each saving the session) merges them all.
 */
export const MAX_SAVE_ATTEMPTS = 64

/**
 * What a set() did, as its tracing channel tells: `'written'`; `'merged'` (written on top of another request's
 * save, both requests' changes kept); `'conflict'` (merged, and both changed the same keys: this save's values
 * kept, as the store's 'conflict' event says); or, for unchanged data, what its touch did.
 */
export type SaveOutcome = 'written' | 'merged' | 'conflict' | TouchOutcome

type Fields = SessionRecord & Record<string, unknown>

const UNKNOWN_OWNER: unique symbol = Symbol('an owner the userId option could not tell')
type StoredOwner = string | undefined | typeof UNKNOWN_OWNER

/** A save's changes put on top of a stored text: the session it read there, what to write, whose that is. */
interface OnTop {
  stored: Fields | null
  writing: Fields
  text: string
  storedOwner: StoredOwner
}

export interface ConditionalSaveParts {
  client: SessionClient
  /** The store's timeout (0: none): past it the caller has its ERR_STORE_TIMEOUT, and the save stops merging. */
  timeoutMs: number
  keyOf(sid: string): string
  encode(session: SessionRecord, sid: string): string
  decode(text: string, sid: string): Promise<SessionRecord>
  ownerOf(session: SessionRecord): string | undefined
  record(owner: string | undefined, sid: string, seconds: number | undefined): Promise<string> | undefined
  unrecord(owner: string | undefined, sid: string, recorded: Promise<string> | undefined): Promise<void>
  snapshots: SnapshotMemory
  expiryFor(seconds: number): number | undefined
  lazyTouch: TouchMemory
  /** The touch of a session whose data did not change. */
  extend(sid: string, session: SessionRecord, seconds: number, operation: 'set'): Promise<TouchOutcome>
  /** Where a session whose key is gone lives now, if it was moved to another key (hashed-ids). */
  relocated?(sid: string): Promise<{ id: string; text: string } | undefined>
  events: {
    conflict(details: { keys: string[] }): void
    staleSession(details: { operation: 'set' }): void
  }
}

/**
 * The save of a session the store handed out (or wrote before): only what this request changed is
 * written, and only over the state it expects, so that a session destroyed meanwhile is never written
 * back and another request's changes to other keys are kept. Unchanged data is only touched.
 */
export function conditionalSave(parts: ConditionalSaveParts) {
  const { client, keyOf, encode, decode, lazyTouch, events } = parts

  return async function saveLoaded(
    loadedAs: string,
    session: SessionRecord,
    seconds: number,
    snapshot: Snapshot,
  ): Promise<SaveOutcome> {
    let sid = loadedAs
    const saving = session as Fields
    let own = encode(session, sid)
    // The same text: nothing changed, not even the cookie's expiry (no key-by-key comparison needed).
    if (own === snapshot.base) return parts.extend(sid, session, seconds, 'set')
    const loaded = (await decode(snapshot.base, sid)) as Fields
    const changed = changedKeys(loaded, saving)
    if (changed.length === 0 && !cookieChanged(loaded, saving)) return parts.extend(sid, session, seconds, 'set')

    const expiry = parts.expiryFor(seconds)
    const startedAt = performance.now()
    const contested = new Set<string>()
    let writing: Fields = saving
    let text = own
    let expected = snapshot.stored
    let storedOwner: StoredOwner = ownerAsStored(loaded)
    // This request's changes on top of `storedText`: what to write, and whose session that is. Text this version
    // cannot read (another version wrote it) is replaced by this save whole.
    const onTopOf = async (storedText: string): Promise<OnTop> => {
      const stored = (await decodeOrNull(storedText, sid)) as Fields | null
      const next: Fields = stored ? withChanges(stored, saving, changed) : saving
      return {
        stored,
        writing: next,
        text: next === saving ? own : encode(next, sid),
        storedOwner: stored ? ownerAsStored(stored) : UNKNOWN_OWNER,
      }
    }
    // Saved before with another request's changes merged in (req.session.save(), then the end of the request):
    // what is stored is more than this object holds, so this save goes on top of it, not over it.
    if (snapshot.stored !== snapshot.base) {
      const merged = await onTopOf(snapshot.stored)
      if (merged.stored) ({ writing, text, storedOwner } = merged)
    }
    for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt++) {
      const since = lazyTouch.now()
      const owner = parts.ownerOf(writing)
      // Filed beside the write only when the write leaves the owner as stored: a listing in between then
      // reads a session that is that user's. A write that gives the session an owner is filed once it has
      // landed, or a listing could read the session still without one and take the new entry out.
      const recorded = owner === storedOwner ? parts.record(owner, sid, expiry) : undefined
      const outcome = await withIndexUpdate(compareAndSet(client, keyOf(sid), expected, text, expiry), recorded)
      if ('written' in outcome) {
        if (owner !== storedOwner) await parts.record(owner, sid, expiry)
        parts.snapshots.remember(session, { sid, base: own, stored: text })
        lazyTouch.wrote(sid, text, seconds, since)
        if (contested.size > 0) {
          events.conflict({ keys: [...contested] })
          return 'conflict'
        }
        return attempt > 1 ? 'merged' : 'written'
      }
      let storedText: string
      if ('gone' in outcome) {
        const moved = await parts.relocated?.(sid)
        if (!moved) return refused(sid, owner, recorded)
        // Moved meanwhile: the save goes on against the new key, as against a change made by another request.
        lazyTouch.forget(sid)
        await parts.unrecord(owner, sid, recorded).catch(() => {})
        sid = moved.id
        own = encode(session, sid)
        storedText = moved.text
      } else {
        storedText = outcome.storedNow
      }
      // A save that outlived its timeout (answered late, after an outage) has been reported as failed: merging
      // its changes over saves made since would put back values older than theirs, so it stops here.
      if (parts.timeoutMs > 0 && performance.now() - startedAt >= parts.timeoutMs) throw timedOut(parts.timeoutMs)
      // Another request saved since this one loaded: its changes stay, with this one's on top.
      const next = await onTopOf(storedText)
      for (const key of next.stored ? contestedKeys(changed, loaded, next.stored) : changed) contested.add(key)
      ;({ writing, text, storedOwner } = next)
      expected = storedText
    }
    throw storeError(
      'ERR_SAVE_CONFLICT',
      `the session was saved by other requests ${MAX_SAVE_ATTEMPTS} times while this save tried to merge into it`,
    )
  }

  // The userId option may throw on what an older version stored: its owner is then unknown, never the saving one's.
  function ownerAsStored(stored: SessionRecord): StoredOwner {
    try {
      return parts.ownerOf(stored)
    } catch {
      return UNKNOWN_OWNER
    }
  }

  // The session was destroyed since it was loaded: nothing was written. An index entry filed beside the
  // refused write is taken back; were that to fail, the entry's next listing finds no session and prunes it.
  async function refused(sid: string, owner: string | undefined, recorded: Promise<string> | undefined) {
    lazyTouch.forget(sid)
    await parts.unrecord(owner, sid, recorded).catch(() => {})
    events.staleSession({ operation: 'set' })
    return 'stale' as const
  }

  // What another version of the application wrote and this one cannot read is replaced by this save whole.
  async function decodeOrNull(text: string, sid: string): Promise<SessionRecord | null> {
    try {
      return await decode(text, sid)
    } catch {
      return null
    }
  }
}

const timedOut = (timeoutMs: number) =>
  storeError(
    'ERR_STORE_TIMEOUT',
    `set() did not complete within the ${timeoutMs} ms timeout; what other requests saved meanwhile is kept`,
  )
