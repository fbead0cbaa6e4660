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
}

const snapshots = new WeakMap<object, Snapshot>()

/** The snapshot of a session object the store handed out or wrote; undefined for a plain object it never saw. */
export const snapshotOf = (session: object): Snapshot | undefined => snapshots.get(session)

/** The snapshot of the object as the session `sid`; undefined when it never was that session. */
export function snapshotAs(session: object, sid: string): Snapshot | undefined {
  const snapshot = snapshots.get(session)
  return snapshot?.sid === sid ? snapshot : undefined
}

export function rememberSnapshot(session: object, snapshot: Snapshot): void {
  snapshots.set(session, snapshot)
}

/** A loaded session: its object's state and Redis's are the same text. */
export const loadedFrom = (sid: string, text: string): Snapshot => ({ sid, base: text, stored: text })
