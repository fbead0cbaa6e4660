import { inspect } from 'node:util'

/**
 * What a session object was loaded from, kept beside the object rather than in it: nothing appears in
 * the session's keys or in the stored JSON. `base` is the text the object's own state started from (what a
 * save diffs against); `stored` is the text this process last saw in Redis for it (what a save expects to
 * replace). They differ only after a save merged another request's changes into what it wrote.
 */
export interface Snapshot {
  /** The session id it was loaded or written under: the same object saved under another id is new there. */
  readonly sid: string
  readonly base: string
  readonly stored: string
  /** The serializer reported the loaded text outdated (an old secret or format): the next visit writes it anew. */
  readonly outdated?: true
}

/**
 * A session read in bulk (all(), sessions()): known to have existed, its text not kept (that would hold
 * the text of every session read beside its object). Its save writes only while the session still exists.
 * One whose text was outdated gets a whole Snapshot instead, so that it can be rewritten over that text.
 */
export interface Sighting {
  readonly sid: string
  readonly base?: undefined
  readonly outdated?: undefined
}

/**
 * A snapshot as it sits on its session object. `console.log(req.session)` shows symbol properties: this one
 * prints no session id and no session text.
 */
class Carried {
  constructor(readonly snapshot: Snapshot | Sighting) {}
  [inspect.custom]() {
    return '[redis-session-store snapshot]'
  }
}

/**
 * A bulk read's sighting as it sits on its session object: its own carrier, so that all() costs one object per
 * session instead of two (a Sighting inside a Carried). It prints no session id either.
 */
class Sighted implements Sighting {
  constructor(readonly sid: string) {}
  get snapshot(): Sighting {
    return this
  }
  [inspect.custom]() {
    return '[redis-session-store snapshot]'
  }
}

/**
 * The snapshots of one store's session objects, each under a symbol of the store's own: invisible to the
 * object's keys, to JSON and to express-session's copy, and cheap (a WeakMap entry costs every get() a few
 * microseconds, most of it in the garbage collector). Each store has its own symbol, so that an object read
 * from one store and saved into another (a migration script) is new there, not mistaken for one loaded from it.
 */
export function snapshotMemory() {
  const snapshotKey = Symbol('redis-session-store')
  type Carrier = { [snapshotKey]?: Carried | Sighted }
  const of = (session: object): Snapshot | Sighting | undefined => (session as Carrier)[snapshotKey]?.snapshot
  return {
    /** The snapshot of an object this store handed out or wrote; undefined for one it never saw. */
    of,
    /** The snapshot of the object as the session `sid`; undefined when it never was that session here. */
    as(session: object, sid: string): Snapshot | Sighting | undefined {
      const snapshot = of(session)
      return snapshot?.sid === sid ? snapshot : undefined
    },
    remember(session: object, snapshot: Snapshot | Sighting): void {
      ;(session as Carrier)[snapshotKey] = new Carried(snapshot)
    },
    /** Remembers the object as read in bulk as the session `sid`: the same as remember(session, { sid }). */
    sighted(session: object, sid: string): void {
      ;(session as Carrier)[snapshotKey] = new Sighted(sid)
    },
  }
}

export type SnapshotMemory = ReturnType<typeof snapshotMemory>

/** A loaded session: its object's state and Redis's are the same text. */
export const loadedFrom = (sid: string, text: string, outdated = false): Snapshot =>
  outdated ? { sid, base: text, stored: text, outdated: true } : { sid, base: text, stored: text }
