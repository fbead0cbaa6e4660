import type { SessionRecord } from '../../src/index.js'

/** Sessions in tests carry fields of their own beside the cookie. */
export type TestSession = SessionRecord & Record<string, unknown>

let prefixCounter = 0
/** A prefix no other test uses, so that tests never see each other's keys. */
export const uniquePrefix = (label = 't') => `${label}${process.pid}-${++prefixCounter}:`

export const sessionFor = (
  fields: Record<string, unknown> = {},
  cookie: Record<string, unknown> = {},
): TestSession => ({
  cookie: { originalMaxAge: null, httpOnly: true, path: '/', ...cookie } as SessionRecord['cookie'],
  ...fields,
})

/** The `code` of an error (or of anything thrown), undefined when it has none. */
export const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code
