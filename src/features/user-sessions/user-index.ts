import type { SessionClient } from '../../client/types.js'
import { describe, RevokeIncompleteError, storeError } from '../../helpers/errors.js'
import { keyFor } from '../../helpers/keys.js'
import { scanPages } from '../../helpers/scan.js'
import type { Callback, SessionRecord } from '../../helpers/session.js'
import { type Filed, type LiveSession, type SessionLimitEvents, sessionLimitFor } from './session-limit.js'
import {
  DELETE_RETURNING,
  FORGET_SESSION,
  FORGET_UNCHANGED,
  inBatches,
  LIST_PAGE,
  RECORD_SESSION,
} from './user-index-scripts.js'

/** The option that names a session's user; undefined (or null) when nobody is signed in. */
export type UserIdOption = (session: SessionRecord) => string | undefined

export interface DestroyUserSessionsOptions {
  /** A session id to keep: the caller's own, for "sign out my other devices". */
  except?: string | undefined
}

/**
 * `store.destroyUserSessions`: resolves to how many sessions were destroyed. When some could not be destroyed (or
 * checked), it destroys all the others first, then rejects with a RevokeIncompleteError (ERR_REVOKE_INCOMPLETE).
 */
export interface DestroyUserSessions {
  (userId: string, options?: DestroyUserSessionsOptions): Promise<number>
  (userId: string, callback: Callback<number>): void
  (userId: string, options: DestroyUserSessionsOptions | undefined, callback: Callback<number>): void
}

/**
 * Index keys live beside the sessions, never under their prefix, so that ids/length/all (which SCAN
 * `<prefix>*`) cannot see them: the lead comes before the store's prefix. The prefix's length (in bytes)
 * comes before the prefix, so that no two stores' indexes share a key: with prefix `sess:` the index of user
 * `a:1` is `user-sessions.v2:5:sess:a:1`, with prefix `sess:a:` the index of user `1` is `user-sessions.v2:7:sess:a:1`.
 * Its digits and colons hold no `{`, so a hash tag in the prefix or the user id still decides the key's slot. The lead
 * does not start with the earlier format's, so that clearing those (`user-sessions:<prefix>*`) never takes these.
 */
const USER_INDEX_LEAD = 'user-sessions.v2:'

export const userIndexPrefixFor = (prefix: string): string => `${USER_INDEX_LEAD}${Buffer.byteLength(prefix)}:${prefix}`

/**
 * The index key of earlier versions, `user-sessions:` + prefix + user id, which two stores could share (`sess:` with
 * user `a:1`, `sess:a:` with user `1`). During and after a rolling upgrade sessions filed there by instances still
 * running an earlier version must be found, so it is read beside the current key; it is never written nor pruned
 * (its entries may be another store's), and clear() removes it. Its reading can go once no such key is left: the
 * last earlier instance has stopped, and the sessions it filed have expired (see the README).
 */
const LEGACY_USER_INDEX_LEAD = 'user-sessions:'

const legacyUserIndexPrefixFor = (prefix: string): string => LEGACY_USER_INDEX_LEAD + prefix

/**
 * maxSessionsPerUser's keys, in the index's format: per user, the sessions' last activity (a sorted set) and the lock
 * under which one instance at a time enforces the limit. Neither starts with an index lead, so clearing those never
 * takes these.
 */
const ACTIVITY_LEAD = 'user-activity.v2:'
const LIMIT_LOCK_LEAD = 'user-limit-lock.v2:'

const leadPrefixFor = (lead: string) => (prefix: string) => `${lead}${Buffer.byteLength(prefix)}:${prefix}`

/** The beginnings of every key the store keeps beside its sessions for users, the current index format's first. */
export const userIndexPrefixesFor = (prefix: string): string[] => [
  userIndexPrefixFor(prefix),
  legacyUserIndexPrefixFor(prefix),
  leadPrefixFor(ACTIVITY_LEAD)(prefix),
  leadPrefixFor(LIMIT_LOCK_LEAD)(prefix),
]

/** What the index needs of the store. */
export interface UserIndexSettings {
  client: SessionClient
  prefix: string
  scanCount: number
  userId: UserIdOption | undefined
  /** Sessions a user may have at once; the least recently active beyond it are destroyed. Undefined: no limit. */
  maxSessionsPerUser: number | undefined
  /** The store's call timeout, in milliseconds (0: none). */
  timeout: number
  events: SessionLimitEvents
  /** The stored text as a session, or null when it does not decode (reported as a corrupt session, never deleted). */
  read(text: string, sid: string): Promise<SessionRecord | null>
  /** Removes a page of keys: the store's own remover (remove-page.ts), UNLINK or DEL where there is none. */
  removeKeys(keys: readonly string[]): Promise<unknown>
  /** The ids in the keys a session id's session may be under (hashed-ids): what the index holds. */
  storedIdsOf(sid: string): readonly string[]
  /** The hashed id a session on a raw stored id may be moving to (hashed-ids 'read' and 'migrate'). */
  movedTo(sid: string): string | undefined
  /** Deletes the key if it still holds the text that was read from it; whether it did. */
  removeIfUnchanged(key: string, text: string): Promise<boolean>
}

/**
 * Per user, a sorted set of session ids scored by expiry. Writes are blind (set cannot know a session's
 * previous user without reading it), so an index may hold ids that have since expired, been destroyed
 * or changed hands; listing checks every id against its session and prunes the ones that fail.
 */
export function userIndexFor(settings: UserIndexSettings) {
  const { client, userId: userIdOption } = settings
  const sessionKeyOf = keyFor(settings.prefix)
  const indexPrefixes = userIndexPrefixesFor(settings.prefix)
  const [indexKeyOf, legacyIndexKeyOf, activityKeyOf, lockKeyOf] = indexPrefixes.map(keyFor) as [
    KeyOf,
    KeyOf,
    KeyOf,
    KeyOf,
  ]
  const limit =
    settings.maxSessionsPerUser === undefined
      ? undefined
      : sessionLimitFor({
          client,
          max: settings.maxSessionsPerUser,
          timeout: settings.timeout,
          events: settings.events,
          sessionIdOf: (sid) => settings.movedTo(sid) ?? sid,
          activityKeyOf,
          lockKeyOf,
          liveSessionsOf,
          evict,
        })

  /** The session's user, or undefined; computed before anything is sent, so a throwing option writes nothing. */
  function ownerOf(session: SessionRecord): string | undefined {
    if (!userIdOption) return undefined
    let owner: unknown
    try {
      owner = userIdOption(session)
    } catch (cause) {
      throw storeError('ERR_SESSION_USER_ID', 'the userId function threw', cause)
    }
    if (owner === undefined || owner === null) return undefined
    if (typeof owner !== 'string' || owner === '') {
      throw storeError(
        'ERR_SESSION_USER_ID',
        `the userId function returned ${describe(owner)} instead of a non-empty string or undefined`,
      )
    }
    return owner
  }

  /**
   * Files the session under its user, for `seconds` (or for ever), resolving to the score it was given;
   * nothing is sent for a session without one.
   */
  function record(owner: string | undefined, sid: string, seconds: number | undefined): Promise<string> | undefined {
    if (owner === undefined) return undefined
    const lifetime = lifetimeOf(seconds)
    const file = () => client.evalOnKey(RECORD_SESSION, indexKeyOf(owner), [sid, lifetime]).then(filedOf)
    return limit ? limit.filedWithActivity(owner, sid, lifetime, file) : file().then((filed) => filed.score)
  }

  /** A visit to a signed-in session that sends no EXPIRE: its activity, for maxSessionsPerUser. */
  async function visited(owner: string | undefined, sid: string, seconds: number | undefined): Promise<void> {
    if (owner !== undefined) await limit?.visited(owner, sid, lifetimeOf(seconds))
  }

  /**
   * Takes back what `record` filed for a session whose write was refused (it had been destroyed), unless
   * the session was filed again since. A refused save or touch so never puts a revoked session back.
   */
  async function unrecord(owner: string | undefined, sid: string, recorded: Promise<string> | undefined) {
    if (owner === undefined || recorded === undefined) return
    await forgetUnchanged(indexKeyOf(owner), [{ sid, score: await recorded }])
  }

  /** Takes the session out of its user's index, whatever its score: it now lives under another id (hashed-ids). */
  async function forget(owner: string | undefined, sid: string): Promise<void> {
    if (owner === undefined) return
    // Two keys of two slots: side by side, one round trip.
    await Promise.all([client.evalOnKey(FORGET_SESSION, indexKeyOf(owner), [sid]), limit?.forgetActivity(owner, [sid])])
  }

  /**
   * destroy() of the session at `key` (stored id `sid`): the key is deleted as DEL would, and its id taken out of its
   * user's index, so that an index never keeps ids of sessions signed out (with disableTTL nothing else would ever
   * prune them, and the index, emptied, goes with the user's last session). One round trip more for a signed-in session.
   */
  async function destroyFiled(key: string, sid: string): Promise<void> {
    const text = await client.evalOnKey(DELETE_RETURNING, key, [])
    if (typeof text !== 'string' && !Buffer.isBuffer(text)) return
    let owner: string | undefined
    try {
      const session = await settings.read(String(text), sid)
      owner = session ? ownerOf(session) : undefined
    } catch {
      // An owner this version cannot tell: its entry stays until a listing prunes it.
    }
    // The session is destroyed either way; an entry left behind is pruned by the next listing.
    if (owner !== undefined) await forget(owner, sid).catch(() => {})
  }

  /**
   * The index page by page (ZSCAN, `scanCount` a page), never one command over the whole set: no command stalls Redis
   * however many sessions the user has. An entry may come twice (ZSCAN), never not at all.
   */
  async function* indexPages(indexKey: string): AsyncIterable<IndexEntry[]> {
    let cursor = '0'
    do {
      const reply = await client.evalOnKey(LIST_PAGE, indexKey, [cursor, String(settings.scanCount)])
      const [next, flat] = Array.isArray(reply) ? reply : ['0', []]
      cursor = String(next)
      const entries = entriesOf(flat)
      if (entries.length > 0) yield entries
    } while (cursor !== '0')
  }

  /**
   * Every page of the user's indexes, the current format's first (its entries carry their score, for pruning), then the
   * earlier version's entries not listed in the current one (without a score: that key is never pruned).
   */
  async function* listedPages(userId: string, onIndexFailure?: (error: unknown) => void): AsyncIterable<Listed[]> {
    const current = new Set<string>()
    for (const [format, indexKey] of [indexKeyOf(userId), legacyIndexKeyOf(userId)].entries()) {
      try {
        for await (const page of indexPages(indexKey)) {
          const listed: Listed[] = []
          for (const entry of page) {
            if (format === 0) {
              current.add(entry.sid)
              listed.push(entry)
            } else if (!current.has(entry.sid)) listed.push({ sid: entry.sid, score: undefined })
          }
          if (listed.length > 0) yield listed
        }
      } catch (error) {
        if (!onIndexFailure) throw error
        onIndexFailure(error)
      }
    }
  }

  /**
   * What a listed session is, judged by its stored text: the user's; 'gone' (expired, destroyed, or another user's
   * now), pruned from the index; or 'unknown' to this version (its value does not decode here, reported as a corrupt
   * session), which stays listed in the index for destroyUserSessions().
   */
  async function verdictOf(userId: string, sid: string, text: string | null | undefined): Promise<Verdict> {
    if (!text) return 'gone'
    const session = await settings.read(text, sid)
    if (!session) return 'unknown'
    return ownerOf(session) === userId ? 'theirs' : 'gone'
  }

  /**
   * The user's sessions page by page, each with the text it was judged by (and each once); the entries found gone are
   * pruned. `judge` decides what a listed session is.
   */
  async function* theirPages(userId: string, judge: typeof verdictOf): AsyncIterable<LiveSession[]> {
    const seen = new Set<string>()
    for await (const page of listedPages(userId)) {
      const fresh = uniqueBySid(page).filter((entry) => !seen.has(entry.sid))
      const texts = await client.getMany(fresh.map((entry) => sessionKeyOf(entry.sid)))
      const theirs: LiveSession[] = []
      const gone: Listed[] = []
      for (const [i, entry] of fresh.entries()) {
        const text = texts[i]
        const verdict = await judge(userId, entry.sid, text)
        if (verdict === 'theirs') {
          seen.add(entry.sid)
          theirs.push({ ...entry, text: text as string })
        }
        if (verdict === 'gone') gone.push(entry)
      }
      await forgetUnchanged(indexKeyOf(userId), gone)
      if (theirs.length > 0) yield theirs
    }
  }

  async function userSessions(userId: string): Promise<string[]> {
    requireEnabled('userSessions')
    requireUserId(userId)
    const sids: string[] = []
    for await (const page of theirPages(userId, verdictOf)) for (const session of page) sids.push(session.sid)
    return sids
  }

  // For the limit, a session whose owner this version cannot tell (the userId function throws on it) is not counted.
  async function liveSessionsOf(userId: string): Promise<LiveSession[]> {
    const live: LiveSession[] = []
    for await (const page of theirPages(userId, verdictOrUnknown)) live.push(...page)
    return live
  }

  /** Destroys a session for the limit, only if it still holds what was read (it may have changed hands since). */
  async function evict(userId: string, session: LiveSession): Promise<boolean> {
    if (!(await settings.removeIfUnchanged(sessionKeyOf(session.sid), session.text))) return false
    // The session is destroyed either way; an entry left behind is pruned by the next listing.
    await forget(userId, session.sid).catch(() => {})
    return true
  }

  /**
   * Destroys every session listed for the user that is theirs, or that this version cannot tell (its value does not
   * decode here, or the userId function throws on it): a revocation must not leave those alive. A failure on some
   * keys does not stop it; it rejects with ERR_REVOKE_INCOMPLETE once everything else is destroyed.
   */
  async function destroyUserSessions(userId: string, options?: DestroyUserSessionsOptions): Promise<number> {
    requireEnabled('destroyUserSessions')
    requireUserId(userId)
    const except = exceptOption(options)
    const kept = except === undefined ? [] : settings.storedIdsOf(except)
    const failures = failureCount()
    let destroyedCount = 0
    // Page by page: read, destroy, then prune. A session destroyed on one page reads as gone should it come again.
    for await (const page of listedPages(userId, failures.add)) {
      const { doomed, gone } = await judged(userId, uniqueBySid(page), kept, failures)
      // Sessions first: were the index emptied first and the delete then failed, they would live on unlisted.
      const removed = await perKey(
        doomed.map((entry) => sessionKeyOf(entry.sid)),
        removeAll,
      )
      const destroyed = doomed.filter((_, i) => failures.passed(removed[i] as Outcome<unknown>))
      destroyedCount += destroyed.length
      // A failure here leaves entries whose sessions are gone: the next listing prunes them.
      await Promise.all([
        forgetUnchanged(indexKeyOf(userId), [...destroyed, ...gone]).catch(() => {}),
        limit?.forgetActivity(
          userId,
          destroyed.map((entry) => entry.sid),
        ),
      ])
    }
    if (failures.count > 0) throw new RevokeIncompleteError(destroyedCount, failures.count, failures.first)
    return destroyedCount
  }

  /** The listed sessions to destroy (all but the ids of `except` that are not gone), and those gone; a failed read is counted. */
  async function judged(userId: string, listed: Listed[], kept: readonly string[], failures: FailureCount) {
    const read = await perKey(
      listed.map((entry) => sessionKeyOf(entry.sid)),
      (keys) => client.getMany(keys),
    )
    const doomed: Listed[] = []
    const gone: Listed[] = []
    for (const [i, entry] of listed.entries()) {
      const outcome = read[i] as Outcome<string | null>
      if ('error' in outcome) {
        if (!kept.includes(entry.sid)) failures.add(outcome.error)
      } else if ((await verdictOrUnknown(userId, entry.sid, outcome.value)) === 'gone') gone.push(entry)
      else if (!kept.includes(entry.sid)) doomed.push(entry)
    }
    return { doomed, gone }
  }

  // The userId function may throw on what an older version stored: its owner is then one this version cannot tell.
  const verdictOrUnknown = (userId: string, sid: string, text: string | null | undefined): Promise<Verdict> =>
    verdictOf(userId, sid, text).catch(() => 'unknown' as const)

  const removeAll = async (keys: string[]): Promise<string[]> => {
    await settings.removeKeys(keys)
    return keys
  }

  /** Removes every index of this prefix, in either format; part of clear(), and sends nothing without the option. */
  async function clear(): Promise<void> {
    if (!userIdOption) return
    for (const indexPrefix of indexPrefixes) {
      for await (const keys of scanPages(client, indexPrefix, settings.scanCount)) await settings.removeKeys(keys)
    }
  }

  // Only entries whose score is still the one seen: a session saved since then (re-scored) is never lost. Only the
  // current index is pruned: an earlier version's key may hold another store's entries.
  async function forgetUnchanged(indexKey: string, entries: readonly Listed[]): Promise<void> {
    const current = entries.filter((entry): entry is IndexEntry => entry.score !== undefined)
    for (const batch of inBatches(current)) {
      await client.evalOnKey(
        FORGET_UNCHANGED,
        indexKey,
        batch.flatMap((entry) => [entry.sid, entry.score]),
      )
    }
  }

  function requireEnabled(method: string): void {
    if (!userIdOption) {
      throw storeError(
        'ERR_USER_ID_OPTION_MISSING',
        `${method}() needs the userId option, e.g. createRedisStore({ client, userId: (session) => session.userId })`,
      )
    }
  }

  return { ownerOf, record, visited, unrecord, forget, destroyFiled, userSessions, destroyUserSessions, clear }
}

type KeyOf = (id: string) => string

const lifetimeOf = (seconds: number | undefined) => (seconds === undefined ? 'forever' : String(seconds * 1000))

type Verdict = 'theirs' | 'gone' | 'unknown'

type Outcome<T> = { value: T } | { error: unknown }

/**
 * `run(keys)` on the whole page, and should that fail (a cluster node down, a key refused), `run([key])` for each key,
 * so that every key that can be done is: per key, its result or the error that stopped it.
 */
async function perKey<T>(keys: readonly string[], run: (keys: string[]) => Promise<T[]>): Promise<Outcome<T>[]> {
  if (keys.length === 0) return []
  try {
    return (await run([...keys])).map((value) => ({ value }))
  } catch {
    return Promise.all(
      keys.map((key) =>
        run([key]).then(
          ([value]) => ({ value: value as T }),
          (error: unknown) => ({ error }),
        ),
      ),
    )
  }
}

type FailureCount = ReturnType<typeof failureCount>

/** How many things failed, and the first error, for ERR_REVOKE_INCOMPLETE. */
function failureCount() {
  const failures = {
    count: 0,
    first: undefined as unknown,
    add(error: unknown): void {
      if (failures.count++ === 0) failures.first = error
    },
    /** Whether the outcome is a success; a failure is counted. */
    passed(outcome: Outcome<unknown>): boolean {
      if ('error' in outcome) failures.add(outcome.error)
      return !('error' in outcome)
    },
    /** `run`, with a failure counted (as one) and answered as undefined. */
    caught:
      <Arg, Result>(run: (arg: Arg) => Promise<Result>) =>
      (arg: Arg): Promise<Result | undefined> =>
        run(arg).catch((error: unknown) => void failures.add(error)),
  }
  return failures
}

function requireUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '') {
    throw new TypeError(`redis-session-store: the user id must be a non-empty string; received ${describe(userId)}`)
  }
}

function exceptOption(options: unknown): string | undefined {
  if (options === undefined) return undefined
  const except = (options as DestroyUserSessionsOptions | null)?.except
  if (typeof options !== 'object' || options === null || (except !== undefined && typeof except !== 'string')) {
    throw new TypeError(
      `redis-session-store: destroyUserSessions options must be { except?: sid }; received ${describe(options)}`,
    )
  }
  return except
}

/** A session id in a user's index, with the score it had when it was listed. */
interface IndexEntry {
  sid: string
  score: string
}

/** A session id in a user's indexes, with its score in the current one; none when only an earlier version's lists it. */
interface Listed {
  sid: string
  score: string | undefined
}

/** A page's entries, each id once (ZSCAN may return one twice). */
function uniqueBySid(page: readonly Listed[]): Listed[] {
  return [...new Map(page.map((entry) => [entry.sid, entry])).values()]
}

// RECORD_SESSION's answer: the score, and the index's size.
function filedOf(reply: unknown): Filed {
  const [score, count] = Array.isArray(reply) ? reply : [reply, 0]
  return { score: String(score), count: Number(count) }
}

// ZSCAN's members: id, score, id, score... A client with a Buffer type mapping answers with Buffers; both are text.
function entriesOf(reply: unknown): IndexEntry[] {
  if (!Array.isArray(reply)) return []
  const entries: IndexEntry[] = []
  for (let i = 0; i + 1 < reply.length; i += 2) entries.push({ sid: String(reply[i]), score: String(reply[i + 1]) })
  return entries
}
