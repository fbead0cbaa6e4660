import { luaScript } from '../../client/lua-script.js'
import type { SessionClient } from '../../client/types.js'
import { storeError } from '../../helpers/errors.js'
import type { SessionRecord } from '../../helpers/session.js'
import { setFor, ttlArgument } from '../concurrent-saves/compare-and-set.js'
import { MAX_SAVE_ATTEMPTS } from '../concurrent-saves/conditional-save.js'
import { loadedFrom, type Snapshot, type SnapshotMemory } from '../concurrent-saves/snapshot.js'
import type { TouchMemory } from '../lazy-touch.js'
import type { StoredIds } from './stored-ids.js'

/**
 * KEYS[1]: a session's hashed key. ARGV[1]: the text to write; ARGV[2]: seconds to live, or '' for none.
 * Writes only where there is nothing yet: answers 1 when written, otherwise the text that is there.
 */
const WRITE_IF_ABSENT = luaScript(`
local current = redis.call('GET', KEYS[1])
if current then return current end${setFor(1, 2)}
return 1
`)

/**
 * KEYS[1]: a session's raw key. ARGV[1]: the text expected there. Deletes the key only while it holds that
 * text: answers 1 when deleted, 0 when the key is gone, and otherwise the text stored now.
 */
const DELETE_IF_UNCHANGED = luaScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if current == false then return 0 end
return current
`)

type Operation = 'set' | 'touch'

export interface HashedIdMovesParts {
  client: SessionClient
  keyOf(id: string): string
  ids: StoredIds
  encode(session: SessionRecord, id: string): string
  decode(text: string, id: string): Promise<SessionRecord>
  ownerOf(session: SessionRecord): string | undefined
  record(owner: string | undefined, id: string, seconds: number | undefined): Promise<string> | undefined
  forget(owner: string | undefined, id: string): Promise<void>
  /** The conditional save of a session loaded from `snapshot` (concurrent-saves). */
  saveLoaded(id: string, session: SessionRecord, seconds: number, snapshot: Snapshot): Promise<unknown>
  snapshots: SnapshotMemory
  lazyTouch: TouchMemory
  expiryFor(seconds: number): number | undefined
  events: { staleSession(details: { operation: Operation }): void }
}

/**
 * Where a session is read and written under `hashSessionIds`. In the modes that read raw keys too, a session
 * may be on either key, and in 'migrate' it is moved from its raw key to its hashed one. Only single-key
 * commands are used, so that it works where the two keys are on different cluster nodes; the order of those
 * commands is what keeps a move from losing a concurrent save or reviving a destroyed session:
 *
 * - A move writes the hashed key (only if absent) before it deletes the raw key (only if unchanged), and only
 *   the request whose write created the hashed key deletes the raw one.
 * - Reads try the hashed key first, and once more after finding neither (a move may have run in between).
 * - destroy() deletes the raw key before the hashed one. So a move that finds its raw key gone knows that the
 *   session was destroyed (or expired) after it was loaded, and deletes the copy it wrote.
 * - A save on the raw key (by an instance in 'read') that finds it gone looks at the hashed key; a raw key
 *   changed by such a save before the move deleted it is merged into the hashed one.
 */
export function hashedIdMoves(parts: HashedIdMovesParts) {
  const { client, keyOf, ids, snapshots } = parts

  /** The stored id the session is under, and its text; the first of its stored ids, and null, when there is none. */
  async function load(sid: string): Promise<{ id: string; text: string | null }> {
    const candidates = ids.of(sid)
    const first = candidates[0] as string
    const text = await client.get(keyOf(first))
    if (text || candidates.length === 1) return { id: first, text }
    for (const id of candidates.slice(1)) {
      const other = await client.get(keyOf(id))
      if (other) return { id, text: other }
    }
    return { id: first, text: await client.get(keyOf(first)) }
  }

  /**
   * The stored id a save or touch of `session` goes to: the one it was read under (after moving it to its hashed
   * key, in 'migrate'), or the one for a new session. Undefined when it was destroyed since it was read.
   */
  async function settle(sid: string, session: SessionRecord, seconds: number, operation: Operation) {
    const candidates = ids.of(sid)
    const readAs = snapshots.of(session)?.sid
    if (readAs === undefined || !candidates.includes(readAs)) return ids.forNew(sid)
    const hashed = ids.moves ? ids.movedTo(readAs) : undefined
    return hashed === undefined ? readAs : moveToHashed(readAs, hashed, session, seconds, operation)
  }

  /** Where a session last seen on the raw key `id` is now, when it has been moved to its hashed key. */
  async function relocated(id: string): Promise<{ id: string; text: string } | undefined> {
    const hashed = ids.movedTo(id)
    if (hashed === undefined) return undefined
    const text = await client.get(keyOf(hashed))
    return text ? { id: hashed, text } : undefined
  }

  async function moveToHashed(rawId: string, hashedId: string, session: SessionRecord, seconds: number, op: Operation) {
    const snapshot = snapshots.as(session, rawId)
    parts.lazyTouch.forget(rawId)
    // A session read in bulk was only seen: what its key holds is read now.
    const stored = snapshot?.base === undefined ? await client.get(keyOf(rawId)) : snapshot.stored
    const moved = stored ? await copyToHashed(rawId, hashedId, stored, seconds) : await relocated(rawId)
    if (moved === undefined) {
      parts.events.staleSession({ operation: op })
      return undefined
    }
    if (snapshot?.base === undefined) {
      snapshots.remember(session, { sid: hashedId })
      return hashedId
    }
    // From here on the object is the hashed key's, loaded from the same state, bound to the hashed id. Unless the
    // hashed key holds just the copy of that state, the save is expected to find other changes there and merge.
    const base =
      'copy' in moved && snapshot.base === stored ? moved.copy : await rebound(snapshot.base, rawId, hashedId)
    snapshots.remember(session, loadedFrom(hashedId, base))
    return hashedId
  }

  /**
   * Copies the session on the raw key (`stored`) to the hashed key, then deletes the raw key. Resolves to the copy
   * when the hashed key holds just that, to `{}` when it holds more (another request's changes), and to undefined
   * when the session was destroyed meanwhile.
   */
  async function copyToHashed(rawId: string, hashedId: string, stored: string, seconds: number) {
    const expiry = parts.expiryFor(seconds)
    const state = await parts.decode(stored, rawId)
    const copy = parts.encode(state, hashedId)
    const written = await client.evalOnKey(WRITE_IF_ABSENT, keyOf(hashedId), [copy, ttlArgument(expiry)])
    // Another request moved it first: that one deletes the raw key.
    if (written !== 1) return {}
    const owner = ownerOrNone(state)
    await parts.record(owner, hashedId, expiry)
    let expected = stored
    for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt++) {
      const deleted = await client.evalOnKey(DELETE_IF_UNCHANGED, keyOf(rawId), [expected])
      if (deleted === 1) {
        // The index keeps no session id either: the raw one is replaced by the hashed one.
        await parts.forget(owner, rawId)
        return expected === stored ? { copy } : {}
      }
      if (deleted === 0) {
        await client.del(keyOf(hashedId))
        return undefined
      }
      // An instance that still writes raw keys saved the session since it was read: its changes are merged in,
      // as a save of what it had loaded (expected to be on the hashed key, else merged into what is there).
      const base = await rebound(expected, rawId, hashedId)
      await parts.saveLoaded(hashedId, await parts.decode(String(deleted), rawId), seconds, loadedFrom(hashedId, base))
      expected = String(deleted)
    }
    throw storeError(
      'ERR_SAVE_CONFLICT',
      `the session was saved under its raw key ${MAX_SAVE_ATTEMPTS} times while it was being moved to its hashed key`,
    )
  }

  // The text as the serializer writes it for another stored id: encryption binds the id into it.
  const rebound = async (text: string, from: string, to: string) => parts.encode(await parts.decode(text, from), to)

  // The userId option may throw on what an older version stored: such a session is filed at its next save.
  function ownerOrNone(session: SessionRecord): string | undefined {
    try {
      return parts.ownerOf(session)
    } catch {
      return undefined
    }
  }

  return { load, settle, relocated }
}
