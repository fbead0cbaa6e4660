import type { SessionClient } from '../../client/types.js'
import { describe, storeError } from '../../helpers/errors.js'
import { keyFor } from '../../helpers/keys.js'
import { scanPages } from '../../helpers/scan.js'
import type { Callback, SessionRecord } from '../../helpers/session.js'
import { FORGET_BATCH, FORGET_SESSION, FORGET_UNCHANGED, LIST_SESSIONS, RECORD_SESSION } from './user-index-scripts.js'

/** The option that names a session's user; undefined (or null) when nobody is signed in. */
export type UserIdOption = (session: SessionRecord) => string | undefined

export interface DestroyUserSessionsOptions {
  /** A session id to keep: the caller's own, for "sign out my other devices". */
  except?: string | undefined
}

/** `store.destroyUserSessions`: resolves to how many sessions were destroyed. */
export interface DestroyUserSessions {
  (userId: string, options?: DestroyUserSessionsOptions): Promise<number>
  (userId: string, callback: Callback<number>): void
  (userId: string, options: DestroyUserSessionsOptions | undefined, callback: Callback<number>): void
}

/**
 * Index keys live beside the sessions, never under their prefix, so that ids/length/all (which SCAN
 * `<prefix>*`) cannot see them: the lead comes before the store's prefix.
 */
const USER_INDEX_LEAD = 'user-sessions:'

export const userIndexPrefixFor = (prefix: string): string => USER_INDEX_LEAD + prefix

/** What the index needs of the store. */
export interface UserIndexSettings {
  client: SessionClient
  prefix: string
  scanCount: number
  userId: UserIdOption | undefined
  /** The stored text as a session, or null when it reads as no session (a corrupt value under 'miss'). */
  read(text: string, sid: string): Promise<SessionRecord | null>
  /** Removes a page of keys: the store's own remover (remove-page.ts), UNLINK or DEL where there is none. */
  removeKeys(keys: readonly string[]): Promise<unknown>
  /** The ids in the keys a session id's session may be under (hashed-ids): what the index holds. */
  storedIdsOf(sid: string): readonly string[]
}

/**
 * Per user, a sorted set of session ids scored by expiry. Writes are blind (set cannot know a session's
 * previous user without reading it), so an index may hold ids that have since expired, been destroyed
 * or changed hands; listing checks every id against its session and prunes the ones that fail.
 */
export function userIndexFor(settings: UserIndexSettings) {
  const { client, userId: userIdOption } = settings
  const sessionKeyOf = keyFor(settings.prefix)
  const indexPrefix = userIndexPrefixFor(settings.prefix)
  const indexKeyOf = keyFor(indexPrefix)

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
    const lifetime = seconds === undefined ? 'forever' : String(seconds * 1000)
    return client.evalOnKey(RECORD_SESSION, indexKeyOf(owner), [sid, lifetime]).then(String)
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
    if (owner !== undefined) await client.evalOnKey(FORGET_SESSION, indexKeyOf(owner), [sid])
  }

  /** The user's live sessions with their index scores; the index entries found stale are taken out. */
  async function liveEntries(userId: string): Promise<IndexEntry[]> {
    requireUserId(userId)
    const indexKey = indexKeyOf(userId)
    const listed = entriesOf(await client.evalOnKey(LIST_SESSIONS, indexKey, []))
    if (listed.length === 0) return []
    const texts = await client.getMany(listed.map((entry) => sessionKeyOf(entry.sid)))
    const live: IndexEntry[] = []
    const stale: IndexEntry[] = []
    for (const [i, entry] of listed.entries()) {
      const text = texts[i]
      const session = text ? await settings.read(text, entry.sid) : null
      if (session && ownerOf(session) === userId) live.push(entry)
      else stale.push(entry)
    }
    await forgetUnchanged(indexKey, stale)
    return live
  }

  async function userSessions(userId: string): Promise<string[]> {
    requireEnabled('userSessions')
    return (await liveEntries(userId)).map((entry) => entry.sid)
  }

  async function destroyUserSessions(userId: string, options?: DestroyUserSessionsOptions): Promise<number> {
    requireEnabled('destroyUserSessions')
    const except = exceptOption(options)
    const kept = except === undefined ? [] : settings.storedIdsOf(except)
    const doomed = (await liveEntries(userId)).filter((entry) => !kept.includes(entry.sid))
    if (doomed.length === 0) return 0
    // Sessions first: were the index emptied first and the delete then failed, they would live on unlisted.
    await settings.removeKeys(doomed.map((entry) => sessionKeyOf(entry.sid)))
    await forgetUnchanged(indexKeyOf(userId), doomed)
    return doomed.length
  }

  /** Removes every index of this prefix; part of clear(), and sends nothing without the option. */
  async function clear(): Promise<void> {
    if (!userIdOption) return
    for await (const keys of scanPages(client, indexPrefix, settings.scanCount)) await settings.removeKeys(keys)
  }

  // Only entries whose score is still the one seen: a session saved since then (re-scored) is never lost.
  async function forgetUnchanged(indexKey: string, entries: readonly IndexEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += FORGET_BATCH) {
      const pairs = entries.slice(start, start + FORGET_BATCH).flatMap((entry) => [entry.sid, entry.score])
      await client.evalOnKey(FORGET_UNCHANGED, indexKey, pairs)
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

  return { ownerOf, record, unrecord, forget, userSessions, destroyUserSessions, clear }
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

// ZRANGE WITHSCORES: id, score, id, score... A client with a Buffer type mapping answers with Buffers; both are text.
function entriesOf(reply: unknown): IndexEntry[] {
  if (!Array.isArray(reply)) return []
  const entries: IndexEntry[] = []
  for (let i = 0; i + 1 < reply.length; i += 2) entries.push({ sid: String(reply[i]), score: String(reply[i + 1]) })
  return entries
}
