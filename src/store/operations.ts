import type { ScanShard } from '../client/types.js'
import { ttlArgument, WRITE_IF_PRESENT } from '../features/concurrent-saves/compare-and-set.js'
import { conditionalSave, type SaveOutcome } from '../features/concurrent-saves/conditional-save.js'
import { outdatedRewrites } from '../features/concurrent-saves/rewrite-outdated.js'
import { loadedFrom, type Snapshot, snapshotMemory } from '../features/concurrent-saves/snapshot.js'
import { hashedIdMoves } from '../features/hashed-ids/moves.js'
import { storedIdsFor } from '../features/hashed-ids/stored-ids.js'
import { type TouchOutcome, touchMemory } from '../features/lazy-touch.js'
import type { SessionLimitEvents } from '../features/user-sessions/session-limit.js'
import { userIndexFor } from '../features/user-sessions/user-index.js'
import { withIndexUpdate } from '../features/user-sessions/with-index-update.js'
import { decodeSoon, encode, type ParseReport } from '../helpers/codec.js'
import { describe, storeError } from '../helpers/errors.js'
import { keyFor, scanPatternFor, sidFrom } from '../helpers/keys.js'
import type { SessionRecord, SessionWithId } from '../helpers/session.js'
import { isAlive, ttlFor } from '../helpers/ttl.js'
import type { StoreSettings } from './options.js'
import { readAhead, sideBySide } from './read-ahead.js'
import { unchangedRemover } from './remove-if-unchanged.js'
import { pageRemover } from './remove-page.js'

/** Pages whose read or removal is in flight on a single server at once, while its next page is scanned. */
const PAGES_IN_FLIGHT = 2
/** The same on each master of a cluster, where a page costs one command per slot instead of one. */
const CLUSTER_PAGES_IN_FLIGHT = 4

/** What the store tells its listeners; none of it carries a session id. */
export interface StoreEvents extends SessionLimitEvents {
  /** A stored value could not be decoded: read by get() under 'miss', or by any bulk read (skipped there). */
  corruptSession(error: unknown): void
  /** Two overlapping requests changed the same keys of a session: the later save's values were kept. */
  conflict(details: { keys: string[] }): void
  /** A save or touch of a session destroyed since it was loaded wrote nothing. */
  staleSession(details: { operation: 'set' | 'touch' }): void
}

/**
 * The store's behaviour as plain async functions, composed from the helpers. The store wraps each
 * in its call policy (call-policy.ts); nothing here knows about callbacks or express-session.
 */
export function sessionOperations(settings: StoreSettings, events: StoreEvents) {
  const { client, prefix, scanCount } = settings
  const keyOf = keyFor(prefix)
  const sidOf = sidFrom(prefix)
  const secondsToLive = ttlFor(typeof settings.ttl === 'function' ? checkedTtl(settings.ttl) : settings.ttl)
  const toText = encode(settings.serializer)
  const fromText = decodeSoon(settings.serializer)
  const decodeLater = async (text: string, sid: string) => fromText(text, sid)
  const ignoresTouch = settings.disableTouch || settings.disableTTL
  const lazyTouch = touchMemory(ignoresTouch ? 0 : settings.touchAfter)
  // A touch the store skips (disableTouch, disableTTL, lazy touch) is still a visit, which maxSessionsPerUser notes.
  const notesVisits = settings.maxSessionsPerUser !== undefined
  const touchesNothing = ignoresTouch && !notesVisits
  const snapshots = snapshotMemory()
  // From here on a "sid" is the id in the key (hashed-ids): the session id, or its hash under hashSessionIds.
  const storedIds = storedIdsFor(settings.hashSessionIds)
  // Without the option a session id is its stored id: the hot paths skip the lookups (and their await).
  const hashing = settings.hashSessionIds !== false

  // A value that does not decode is skipped by every bulk read and reported, under either policy: it may be no
  // session at all (a counter kept under the same prefix), or another version's during a rolling change.
  const skipped = (error: unknown): null => {
    events.corruptSession(error)
    return null
  }

  // Synchronous when the serializer is: a session read costs no extra turn on the hot path.
  function readSession(
    text: string,
    sid: string,
    report?: ParseReport,
    unreadable: (error: unknown) => null | Promise<null> = skipped,
  ): SessionRecord | null | Promise<SessionRecord | null> {
    let decoded: SessionRecord | Promise<SessionRecord>
    try {
      decoded = fromText(text, sid, report)
    } catch (error) {
      return unreadable(error)
    }
    return decoded instanceof Promise ? decoded.catch(unreadable) : decoded
  }

  // get() alone applies the policy: under 'miss' the value reads as absent (and stays, in case another version of
  // the app can read it); under 'fail' the request fails and the value is deleted, so that the user's next request
  // starts afresh, unless a session has been saved under the key since it was read.
  const removeIfUnchanged = unchangedRemover(client)
  const readForGet =
    settings.onCorruptSession === 'miss'
      ? readSession
      : (text: string, sid: string, report?: ParseReport) =>
          readSession(text, sid, report, async (error) => {
            await removeIfUnchanged(keyOf(sid), text)
            throw error
          })

  const removePage = pageRemover(client)
  const users = userIndexFor({
    ...settings,
    events,
    read: async (text, sid) => readSession(text, sid),
    removeKeys: removePage,
    storedIdsOf: storedIds.of,
    movedTo: storedIds.movedTo,
    removeIfUnchanged,
  })

  async function get(given: string): Promise<SessionRecord | null> {
    requireSid(given)
    const { id: sid, text } = hashing ? await homes.load(given) : { id: given, text: await client.get(keyOf(given)) }
    const report = { outdated: false }
    let session = text ? readForGet(text, sid, report) : null
    if (session instanceof Promise) session = await session
    lazyTouch.read(sid, session ? text : null)
    // The object carries what it was loaded from, so that its save writes only its own changes.
    if (session && text) snapshots.remember(session, loadedFrom(sid, text, report.outdated))
    return session
  }

  // Resolves to what it did (the outcome its tracing channel tells); the store's set() answers nothing.
  async function set(given: string, session: SessionRecord): Promise<SaveOutcome> {
    requireSid(given)
    requireSession(session)
    const seconds = secondsToLive(session)
    if (!isAlive(seconds)) return remove(given, (key) => client.del(key)).then(deleted)
    const sid = hashing ? await homes.settle(given, session, seconds, 'set') : given
    if (sid === undefined) return 'stale'
    const snapshot = snapshots.as(session, sid)
    if (snapshot?.base !== undefined) return saveLoaded(sid, session, seconds, snapshot)
    if (snapshot) return writeIfPresent(sid, session, seconds)
    await writeNew(sid, session, seconds)
    return 'written'
  }

  /** A session the store never handed out (new, or a plain object): written whole, as it is. */
  async function writeNew(sid: string, session: SessionRecord, seconds: number): Promise<void> {
    const text = toText(session, sid)
    const owner = users.ownerOf(session)
    const expiry = expiryFor(seconds)
    const since = lazyTouch.now()
    const key = keyOf(sid)
    // One round trip: the index update goes out with the SET, which one server runs first. On a cluster the
    // two go to different nodes, and a listing that saw the entry before the session existed would prune it.
    if (client.spansNodes && owner !== undefined) {
      await client.set(key, text, expiry)
      await users.record(owner, sid, expiry)
    } else {
      await withIndexUpdate(client.set(key, text, expiry), users.record(owner, sid, expiry))
    }
    wrote(sid, session, text, seconds, since)
  }

  /** A session read in bulk: written whole, only while it exists, and filed under its user once written. */
  async function writeIfPresent(sid: string, session: SessionRecord, seconds: number): Promise<'written' | 'stale'> {
    const text = toText(session, sid)
    const owner = users.ownerOf(session)
    const expiry = expiryFor(seconds)
    const since = lazyTouch.now()
    const args = [text, ttlArgument(expiry)]
    if (Number(await client.evalOnKey(WRITE_IF_PRESENT, keyOf(sid), args)) !== 1) {
      const moved = await homes.relocated(sid)
      if (moved) return writeIfPresent(moved.id, session, seconds)
      lazyTouch.forget(sid)
      events.staleSession({ operation: 'set' })
      return 'stale'
    }
    await users.record(owner, sid, expiry)
    wrote(sid, session, text, seconds, since)
    return 'written'
  }

  // Saved again in the same request (req.session.save(), then the end of the request), it is no longer new.
  function wrote(sid: string, session: SessionRecord, text: string, seconds: number, since: number): void {
    lazyTouch.wrote(sid, text, seconds, since)
    snapshots.remember(session, loadedFrom(sid, text))
  }

  const expiryFor = (seconds: number) => (settings.disableTTL ? undefined : seconds)

  const saveLoaded = conditionalSave({
    client,
    timeoutMs: settings.timeout,
    keyOf,
    encode: toText,
    decode: decodeLater,
    ownerOf: users.ownerOf,
    record: users.record,
    unrecord: users.unrecord,
    snapshots,
    expiryFor,
    lazyTouch,
    extend,
    events,
    relocated: (sid) => homes.relocated(sid),
  })

  const rewrites = outdatedRewrites({ client, keyOf, encode: toText, decode: decodeLater })

  const homes = hashedIdMoves({
    client,
    keyOf,
    ids: storedIds,
    encode: toText,
    decode: decodeLater,
    ownerOf: users.ownerOf,
    record: users.record,
    forget: users.forget,
    saveLoaded,
    snapshots,
    lazyTouch,
    expiryFor,
    events,
  })

  // Resolves to what it did (the outcome its tracing channel tells); the store's touch() answers nothing.
  async function touch(given: string, session: SessionRecord): Promise<TouchOutcome> {
    requireSid(given)
    requireSession(session)
    if (touchesNothing) return 'skipped'
    const seconds = secondsToLive(session)
    // Under disableTouch or disableTTL a touch writes nothing, as without maxSessionsPerUser: no move to the hashed key
    // (it would give the session a new expiry), no delete; the visit is only noted.
    if (ignoresTouch) return isAlive(seconds) ? visited(visitedAs(given, session), session, seconds) : 'skipped'
    // A non-positive expiry deletes the key, as set() would.
    if (!isAlive(seconds)) return remove(given, (key) => client.expire(key, 0)).then(deleted)
    const sid = hashing ? await homes.settle(given, session, seconds, 'touch') : given
    if (sid === undefined) return 'stale'
    return extend(sid, session, seconds, 'touch')
  }

  /** The stored id a visit is noted under, moving nothing: the one the session was read under, else a new one's. */
  function visitedAs(given: string, session: SessionRecord): string {
    if (!hashing) return given
    const readAs = snapshots.of(session)?.sid
    return readAs !== undefined && storedIds.of(given).includes(readAs) ? readAs : storedIds.forNew(given)
  }

  /** A touch that sends no EXPIRE: with maxSessionsPerUser the visit is noted all the same; without, nothing waits. */
  function visited(sid: string, session: SessionRecord, seconds: number): Promise<'skipped'> | 'skipped' {
    if (!notesVisits) return 'skipped'
    return users.visited(users.ownerOf(session), sid, expiryFor(seconds)).then(() => 'skipped' as const)
  }

  /**
   * Moves the key's expiry to `seconds` from now: a touch, or the save of a session whose data did not
   * change. EXPIRE never creates a key, so a session destroyed meanwhile stays destroyed.
   */
  async function extend(
    sid: string,
    session: SessionRecord,
    seconds: number,
    operation: 'set' | 'touch',
  ): Promise<TouchOutcome> {
    const snapshot = snapshots.as(session, sid)
    // Loaded from outdated text (an old secret or format): written anew instead, so that visits move it.
    const rewritten = snapshot?.outdated && (await rewroteOnVisit(sid, session, seconds, snapshot, operation))
    if (rewritten) return rewritten
    // Without a TTL there is nothing to move: the key lives until it is destroyed.
    if (settings.disableTTL) return visited(sid, session, seconds)
    // The key (and the index entry, written with the same expiry) already lives almost as long as a touch would make it.
    if (lazyTouch.canSkipTouch(sid, seconds)) return visited(sid, session, seconds)
    // The index is re-scored too (and learns of sessions saved before it existed).
    const owner = users.ownerOf(session)
    const since = lazyTouch.now()
    const recorded = users.record(owner, sid, seconds)
    const extended = await withIndexUpdate(client.expire(keyOf(sid), seconds), recorded)
    if (Number(extended) === 1) {
      lazyTouch.wrote(sid, undefined, seconds, since)
      return 'touched'
    }
    return stale(owner, sid, recorded, operation, session, seconds)
  }

  /**
   * The touch (or unchanged save) of a session loaded from outdated text: one compare-and-set of the loaded
   * text to the same data written anew, instead of EXPIRE. Undefined when it wrote nothing and the EXPIRE is
   * still due: another request wrote the session since it was loaded (its text stays), or it cannot be encoded.
   */
  async function rewroteOnVisit(
    sid: string,
    session: SessionRecord,
    seconds: number,
    snapshot: Snapshot,
    operation: 'set' | 'touch',
  ): Promise<TouchOutcome | undefined> {
    let text: string
    try {
      text = await rewrites.sameDataAnew(snapshot)
    } catch {
      return undefined
    }
    const owner = users.ownerOf(session)
    const since = lazyTouch.now()
    const expiry = expiryFor(seconds)
    const recorded = users.record(owner, sid, expiry)
    const outcome = await withIndexUpdate(rewrites.replace(snapshot, text, expiry), recorded)
    if ('written' in outcome) {
      wrote(sid, session, text, seconds, since)
      return 'rewritten'
    }
    return 'gone' in outcome ? stale(owner, sid, recorded, operation, session, seconds) : undefined
  }

  // The session's key is gone: destroyed, unless it moved to its hashed id meanwhile (hashed-ids).
  async function stale(
    owner: string | undefined,
    sid: string,
    recorded: Promise<string> | undefined,
    operation: 'set' | 'touch',
    session: SessionRecord,
    seconds: number,
  ): Promise<TouchOutcome> {
    lazyTouch.forget(sid)
    // Were this to fail, the entry's next listing would find no session and prune it.
    await users.unrecord(owner, sid, recorded).catch(() => {})
    const moved = await homes.relocated(sid)
    if (moved) return extend(moved.id, session, seconds, operation)
    events.staleSession({ operation })
    return 'stale'
  }

  /**
   * For a sweep after a change of secret or format: writes the session's outdated text again as the serializer
   * writes now, its data and time to live unchanged, over what was read only. Whether it wrote.
   */
  async function rewriteOutdated(session: SessionRecord): Promise<boolean> {
    requireSession(session)
    const snapshot = snapshots.of(session)
    if (!snapshot?.outdated) return false
    const text = await rewrites.sameDataAnew(snapshot)
    if (!(await rewrites.replaceKeepingTtl(snapshot, text))) return false
    // What this process knew of the key's expiry is about the old text; it knows nothing of the new one's.
    lazyTouch.forget(snapshot.sid)
    snapshots.remember(session, loadedFrom(snapshot.sid, text))
    return true
  }

  // With userId, the session's id also leaves its user's index (user-index.ts); without, just DEL.
  const destroyKey = settings.userId
    ? (key: string) => users.destroyFiled(key, sidOf(key))
    : (key: string) => client.del(key)

  async function destroy(given: string): Promise<void> {
    requireSid(given)
    if (hashing) return remove(given, destroyKey)
    lazyTouch.forget(given)
    await destroyKey(keyOf(given))
  }

  // Every key the session may be under, raw before hashed: a move that then finds its raw key gone (hashed-ids)
  // knows the session was destroyed, and deletes the copy it made.
  async function remove(given: string, command: (key: string) => Promise<unknown>): Promise<void> {
    if (!hashing) {
      lazyTouch.forget(given)
      await command(keyOf(given))
      return
    }
    for (const sid of [...storedIds.of(given)].reverse()) {
      lazyTouch.forget(sid)
      await command(keyOf(sid))
    }
  }

  // Every master is walked at once (one shard on a single server), each with a few pages in flight: the keys a
  // master lists are read or removed on its own connection while it lists the next ones.
  const inFlight = client.spansNodes ? CLUSTER_PAGES_IN_FLIGHT : PAGES_IN_FLIGHT
  async function* eachPage<Result>(work: (keys: string[], shard: ScanShard) => Promise<Result>): AsyncIterable<Result> {
    const shards = await client.scanShards(scanPatternFor(prefix), scanCount)
    yield* sideBySide(shards.map((shard) => readAhead(shard.pages, (keys) => work(keys, shard), inFlight)))
  }

  async function readPage(keys: readonly string[], shard: ScanShard): Promise<SessionWithId[]> {
    const texts = await shard.getMany(keys)
    const found: SessionWithId[] = []
    // One report for the page, not an object per session (all() reads every session): the serializer tells it
    // while it parses, and each session is parsed, and awaited, before the next one starts.
    const report = { outdated: false }
    for (let i = 0; i < keys.length; i++) {
      const text = texts[i]
      // A key that expired or was deleted between SCAN and the read is simply gone.
      if (!text) continue
      const sid = sidOf(keys[i] as string)
      report.outdated = false
      let session = readSession(text, sid, report)
      if (session instanceof Promise) session = await session
      // The decoded object is the store's own (fresh from the serializer), so it takes its id in place:
      // a copy per session would cost a second object each, a quarter more memory for all().
      if (!session) continue
      const withId = session as SessionWithId
      withId.id = sid
      // Written back (an admin script), it must not revive a session destroyed since it was read.
      if (report.outdated) snapshots.remember(withId, loadedFrom(sid, text, true))
      else snapshots.sighted(withId, sid)
      found.push(withId)
    }
    return found
  }

  // Unlike all() and ids(), the iterator keeps no set of the ids it has handed out, so that it needs the memory
  // of a few pages whatever the store's size; like SCAN itself, it may (rarely) yield a session twice.
  async function* sessions(): AsyncIterable<SessionWithId> {
    for await (const page of eachPage(readPage)) yield* page
  }

  // SCAN may report a key twice (while Redis rehashes): the keys seen are kept, which all() holds anyway. They are
  // sifted as each page is listed, while the page before is still being read, and a key listed again is not read.
  async function all(): Promise<SessionWithId[]> {
    const seen = new Set<string>()
    const found: SessionWithId[] = []
    const readUnseen = (keys: string[], shard: ScanShard): Promise<SessionWithId[]> => {
      const unseen = keys.filter((key) => !seen.has(key) && Boolean(seen.add(key)))
      return unseen.length > 0 ? readPage(unseen, shard) : Promise.resolve([])
    }
    for await (const page of eachPage(readUnseen)) for (const session of page) found.push(session)
    return found
  }

  async function ids(): Promise<string[]> {
    const found = new Set<string>()
    for await (const keys of eachPage(async (keys) => keys)) for (const key of keys) found.add(sidOf(key))
    return [...found]
  }

  // De-duplicated within each page only, so that its memory is a page's whatever the store's size: a key that
  // SCAN reports in two pages (only while Redis rehashes the keyspace) is counted twice.
  async function length(): Promise<number> {
    let count = 0
    for await (const distinct of eachPage(async (keys) => new Set(keys).size)) count += distinct
    return count
  }

  async function clear(): Promise<void> {
    if (prefix === '' && !settings.allowClearWithEmptyPrefix) {
      throw storeError(
        'ERR_UNSAFE_CLEAR',
        'clear() with an empty prefix would delete every key in the database; pass allowClearWithEmptyPrefix: true to allow it',
      )
    }
    // Page by page, so that no single command makes Redis stall for every other client; a page is removed
    // while the next ones are scanned. A key listed twice is removed twice, which costs nothing.
    for await (const removed of eachPage(removePage)) void removed
    await users.clear()
  }

  const { userSessions, destroyUserSessions } = users
  return {
    get,
    set,
    touch,
    destroy,
    clear,
    length,
    ids,
    all,
    sessions,
    userSessions,
    destroyUserSessions,
    rewriteOutdated,
    snapshots,
  }
}

const deleted = () => 'deleted' as const

// The answer is checked before ttlFor rounds it up: Math.ceil would make null 0 (and delete the session), '60' 60.
function checkedTtl(ttl: (session: SessionRecord) => number): (session: SessionRecord) => number {
  return (session) => {
    let answer: unknown
    try {
      answer = ttl(session)
    } catch (cause) {
      throw storeError('ERR_SESSION_TTL', 'the ttl function threw', cause)
    }
    if (typeof answer !== 'number' || !Number.isFinite(answer)) {
      throw storeError('ERR_SESSION_TTL', `the ttl function returned ${describe(answer)} instead of seconds`)
    }
    return answer
  }
}

function requireSid(sid: unknown): asserts sid is string {
  if (typeof sid !== 'string' || sid === '') {
    throw new TypeError(`redis-session-store: the session id must be a non-empty string; received ${describe(sid)}`)
  }
}

function requireSession(session: unknown): asserts session is SessionRecord {
  if (typeof session !== 'object' || session === null) {
    throw new TypeError(`redis-session-store: the session must be an object; received ${describe(session)}`)
  }
}
