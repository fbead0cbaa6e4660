import type { SessionClient } from '../../client/types.js'
import { describe, storeError } from '../../helpers/errors.js'
import { keyFor } from '../../helpers/keys.js'
import { scanPages } from '../../helpers/scan.js'
import type { Callback, SessionRecord } from '../../helpers/session.js'
import { FORGET_BATCH, FORGET_SESSIONS, LIST_SESSIONS, RECORD_SESSION } from './user-index-scripts.js'

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

  /** Files the session under its user, for `seconds` (or for ever); nothing is sent for a session without one. */
  function record(owner: string | undefined, sid: string, seconds: number | undefined): Promise<unknown> | undefined {
    if (owner === undefined) return undefined
    const lifetime = seconds === undefined ? 'forever' : String(seconds * 1000)
    return client.evalOnKey(RECORD_SESSION, indexKeyOf(owner), [sid, lifetime])
  }

  async function userSessions(userId: string): Promise<string[]> {
    requireEnabled('userSessions')
    requireUserId(userId)
    const indexKey = indexKeyOf(userId)
    const listed = textsOf(await client.evalOnKey(LIST_SESSIONS, indexKey, []))
    if (listed.length === 0) return []
    const texts = await client.getMany(listed.map(sessionKeyOf))
    const live: string[] = []
    const stale: string[] = []
    for (const [i, sid] of listed.entries()) {
      const text = texts[i]
      const session = text ? await settings.read(text, sid) : null
      if (session && ownerOf(session) === userId) live.push(sid)
      else stale.push(sid)
    }
    await forget(indexKey, stale)
    return live
  }

  async function destroyUserSessions(userId: string, options?: DestroyUserSessionsOptions): Promise<number> {
    requireEnabled('destroyUserSessions')
    const except = exceptOption(options)
    const doomed = (await userSessions(userId)).filter((sid) => sid !== except)
    if (doomed.length === 0) return 0
    // Sessions first: were the index emptied first and the delete then failed, they would live on unlisted.
    await settings.removeKeys(doomed.map(sessionKeyOf))
    await forget(indexKeyOf(userId), doomed)
    return doomed.length
  }

  /** Removes every index of this prefix; part of clear(), and sends nothing without the option. */
  async function clear(): Promise<void> {
    if (!userIdOption) return
    for await (const keys of scanPages(client, indexPrefix, settings.scanCount)) await settings.removeKeys(keys)
  }

  async function forget(indexKey: string, sids: readonly string[]): Promise<void> {
    for (let start = 0; start < sids.length; start += FORGET_BATCH) {
      await client.evalOnKey(FORGET_SESSIONS, indexKey, sids.slice(start, start + FORGET_BATCH))
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

  return { ownerOf, record, userSessions, destroyUserSessions, clear }
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

// A client with a Buffer type mapping answers with Buffers; ids are text.
const textsOf = (reply: unknown): string[] => (Array.isArray(reply) ? reply.map(String) : [])
