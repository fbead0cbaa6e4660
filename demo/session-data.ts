/** What the demo keeps in a session once someone has signed in. */
export interface DemoSessionData {
  user: string
  visits: number
  signedInAt: number
  lastSeen: number
  browser: string
  /** How many slow requests of this session finished and were saved, and when the last one did. */
  slowRequests?: number
  slowRequestFinishedAt?: number
}

declare module 'express-session' {
  interface SessionData extends DemoSessionData {}
}

/** The user a stored session belongs to, for the store's sessions-per-user index. */
export const userOf = (session: object): string | undefined => {
  const user = (session as Partial<DemoSessionData>).user
  return typeof user === 'string' && user !== '' ? user : undefined
}
