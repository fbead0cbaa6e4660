import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SessionClient } from '../../client/types.js'
import { ACTIVITY_OF, FORGET_ACTIVITY, NOTE_ACTIVITY, RELEASE_LOCK, TAKE_LOCK } from './session-limit-scripts.js'
import { inBatches } from './user-index-scripts.js'

/** What the limit tells the store's listeners; the user id, never a session id. */
export interface SessionLimitEvents {
  /** Sessions of the user were destroyed to keep them within maxSessionsPerUser. */
  sessionsEvicted(details: { userId: string; count: number }): void
  /** The limit could not be checked or enforced; the save that set it off was written all the same. */
  sessionLimitFailed(error: unknown): void
}

/** A session of the user's as read for the limit: its stored id, its index score, and the text it held then. */
export interface LiveSession {
  sid: string
  /** Its score in the current index; undefined when only an earlier version's index lists it. */
  score: string | undefined
  text: string
}

/** What the limit needs of the user index. */
export interface SessionLimitSettings {
  client: SessionClient
  max: number
  /** The store's call timeout (0: none): waiting for the lock takes a small part of it at most. */
  timeout: number
  events: SessionLimitEvents
  /** The id a stored id's session is known by: its hashed id, for a session on its raw key that may be moving there. */
  sessionIdOf(sid: string): string
  activityKeyOf(userId: string): string
  lockKeyOf(userId: string): string
  /** The user's sessions, each read now: phantoms (ids whose key is gone, or another user's now) are not among them. */
  liveSessionsOf(userId: string): Promise<LiveSession[]>
  /** Destroys the session if it still holds the text read; whether it did. */
  evict(userId: string, session: LiveSession): Promise<boolean>
}

/** The index's answer to a filing: the score given, and how many ids the user's index holds now. */
export interface Filed {
  score: string
  count: number
}

/** How long a lock is held at most: far longer than an enforcement takes, short enough not to matter if its holder dies. */
const LOCK_MS = 2000
/** How long an instance waits for the lock before it enforces without (the limit still holds; see enforce()). */
const LOCK_WAIT_MS = 500
/** Nor longer than this part of the call's timeout: the save is written already, and must not be reported failed. */
const LOCK_WAIT_SHARE_OF_TIMEOUT = 1 / 4
const LOCK_RETRY_MS = 5
/** Listings an enforcement makes at most when a session it meant to destroy was saved meanwhile. */
const ENFORCEMENT_ATTEMPTS = 3
/** Activity entries kept per user beyond the limit: room for sessions that ended without a destroy(). */
const ACTIVITY_SLACK = 100

/**
 * maxSessionsPerUser: each filing of a signed-in session first notes its activity (now, by Redis's clock), then
 * files it in the index; when the index then holds more ids than the limit, the user's sessions are read, and the
 * least recently active ones beyond the limit are destroyed, each only if it still holds what was read.
 */
export function sessionLimitFor(settings: SessionLimitSettings) {
  const { client, max, events } = settings
  const activityBound = String(max + ACTIVITY_SLACK)
  const lockWaitMs =
    settings.timeout > 0 ? Math.min(LOCK_WAIT_MS, settings.timeout * LOCK_WAIT_SHARE_OF_TIMEOUT) : LOCK_WAIT_MS

  const noteActivity = (owner: string, sid: string, lifetime: string) =>
    client.evalOnKey(NOTE_ACTIVITY, settings.activityKeyOf(owner), [sid, lifetime, activityBound])

  /**
   * `file()` (the index update) after the activity is noted, then the limit enforced if the index is over it; resolves
   * to the score filed. The activity goes first so that nobody sees the index entry without it (it would count as the
   * oldest): one server runs the two in the order sent, a cluster's two nodes only one after the other. Should the
   * server not have the activity script cached, its EVAL follows the index update by under a round trip; another
   * instance's enforcement reads activity two round trips after it lists the index, so it finds the note there.
   */
  async function filedWithActivity(
    owner: string,
    sid: string,
    lifetime: string,
    file: () => Promise<Filed>,
  ): Promise<string> {
    const noted = noteActivity(owner, sid, lifetime).catch(events.sessionLimitFailed)
    const filing = client.spansNodes ? noted.then(file) : file()
    const [{ score, count }] = await Promise.all([filing, noted])
    if (count > max) await enforce(owner, sid).catch(events.sessionLimitFailed)
    return score
  }

  /** A visit that sends no EXPIRE (lazy touch, disableTouch, disableTTL): only its activity is noted. */
  async function visited(owner: string, sid: string, lifetime: string): Promise<void> {
    await noteActivity(owner, sid, lifetime).catch(events.sessionLimitFailed)
  }

  /**
   * Destroys the user's least recently active sessions beyond the limit. Instances take turns by a lock, so that each
   * sees what the one before it destroyed. Without the lock (its holder is slow or gone) the limit still holds: every
   * filing is followed by an enforcement that reads the index after it, so the last one to read sees every session.
   */
  async function enforce(userId: string, savedSid: string): Promise<void> {
    const lock = await lockOf(userId)
    let evicted = 0
    try {
      for (let attempt = 0; attempt < ENFORCEMENT_ATTEMPTS; attempt++) {
        const sessions = oneEach(await settings.liveSessionsOf(userId))
        if (sessions.length <= max) break
        const ordered = await leastRecentlyActive(userId, sessions, settings.sessionIdOf(savedSid))
        const outcomes = await Promise.all(ordered.slice(0, sessions.length - max).map((keys) => evict(userId, keys)))
        evicted += outcomes.filter((outcome) => outcome !== 'kept').length
        // A session (or one of its keys) saved since it was read stays: the next listing judges it again.
        if (outcomes.every((outcome) => outcome === 'destroyed')) break
      }
    } finally {
      await lock?.release()
    }
    if (evicted > 0) events.sessionsEvicted({ userId, count: evicted })
  }

  /**
   * The live sessions, each once: one moving to its hashed key (hashed-ids 'migrate') is under both ids for a moment,
   * and the index lists both. Each session's keys, raw before hashed (as destroy() removes them).
   */
  function oneEach(live: LiveSession[]): LiveSession[][] {
    const bySession = new Map<string, LiveSession[]>()
    for (const key of live) {
      const id = settings.sessionIdOf(key.sid)
      const keys = bySession.get(id)
      if (!keys) bySession.set(id, [key])
      else if (key.sid === id) keys.push(key)
      else keys.unshift(key)
    }
    return [...bySession.values()]
  }

  /**
   * A session being destroyed for the limit is destroyed under each of its ids: 'destroyed' when every key still held
   * what was read, 'partly' when some did, 'kept' when none did.
   */
  async function evict(userId: string, keys: LiveSession[]): Promise<'destroyed' | 'partly' | 'kept'> {
    let destroyed = 0
    for (const key of keys) if (await settings.evict(userId, key)) destroyed++
    if (destroyed === keys.length) return 'destroyed'
    return destroyed > 0 ? 'partly' : 'kept'
  }

  /**
   * Least recently active first. The session being saved is the most recent, whatever its activity entry says (the
   * note may have failed, or still be on its way after a script-cache miss). Those with none noted (filed before the
   * limit was set, or by an earlier version) come first, in order of expiry.
   */
  async function leastRecentlyActive(
    userId: string,
    sessions: LiveSession[][],
    savedId: string,
  ): Promise<LiveSession[][]> {
    const activity = await activityOf(
      userId,
      sessions.flatMap((keys) => keys),
    )
    const latest = (values: number[]) => Math.max(-1, ...values)
    const ranked = sessions.map((keys) =>
      keys.some((key) => settings.sessionIdOf(key.sid) === savedId)
        ? { keys, activity: Infinity, score: Infinity }
        : {
            keys,
            activity: latest(keys.map((key) => activity.get(key.sid) ?? -1)),
            score: latest(keys.map((key) => Number(key.score ?? -1))),
          },
    )
    ranked.sort((a, b) => a.activity - b.activity || a.score - b.score)
    return ranked.map((session) => session.keys)
  }

  async function activityOf(userId: string, live: LiveSession[]): Promise<Map<string, number>> {
    const activity = new Map<string, number>()
    for (const batch of inBatches(live)) {
      const sids = batch.map((session) => session.sid)
      const scores = await client.evalOnKey(ACTIVITY_OF, settings.activityKeyOf(userId), sids)
      if (!Array.isArray(scores)) continue
      for (const [i, sid] of sids.entries()) {
        const score = scores[i]
        if (score !== null && score !== undefined && score !== false) activity.set(sid, Number(score))
      }
    }
    return activity
  }

  /** The user's lock, or undefined once it could not be had within LOCK_WAIT_MS. */
  async function lockOf(userId: string) {
    const key = settings.lockKeyOf(userId)
    const token = randomUUID()
    const giveUp = Date.now() + lockWaitMs
    for (;;) {
      if (String(await client.evalOnKey(TAKE_LOCK, key, [token, String(LOCK_MS)])) === 'OK') {
        return { release: () => client.evalOnKey(RELEASE_LOCK, key, [token]).catch(() => {}) }
      }
      if (Date.now() >= giveUp) return undefined
      await sleep(LOCK_RETRY_MS)
    }
  }

  /** Takes destroyed sessions out of the user's activity; should it fail, the set's bound drops them in time. */
  async function forgetActivity(userId: string, sids: readonly string[]): Promise<void> {
    for (const batch of inBatches(sids)) {
      await client.evalOnKey(FORGET_ACTIVITY, settings.activityKeyOf(userId), batch).catch(() => {})
    }
  }

  return { filedWithActivity, visited, forgetActivity }
}

export type SessionLimit = ReturnType<typeof sessionLimitFor>
