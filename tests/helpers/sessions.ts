import type { SessionRecord, StoredSession } from '../../src/index.js'

/**
 * Sessions in tests carry fields of their own beside the cookie. Typed as the store's default session type
 * (express-session's SessionData, with the fields the test files declare on it) so that a store takes them as they are.
 */
export type TestSession = StoredSession & Record<string, unknown>

let prefixCounter = 0
/** A prefix no other test uses, so that tests never see each other's keys. */
export const uniquePrefix = (label = 't') => `${label}${process.pid}-${++prefixCounter}:`

export const sessionFor = (fields: Record<string, unknown> = {}, cookie: Record<string, unknown> = {}): TestSession =>
  ({
    cookie: { originalMaxAge: null, httpOnly: true, path: '/', ...cookie } as SessionRecord['cookie'],
    ...fields,
  }) as TestSession

/** The `code` of an error (or of anything thrown), undefined when it has none. */
export const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code
