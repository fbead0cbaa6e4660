import { looksSealed } from '../src/features/encryption/envelope.js'

/** What Redis holds for one session, as the admin page shows it. */
export interface StoredSession {
  /** The key with its session id cut short: a session id is a credential. */
  maskedKey: string
  /** Seconds until Redis expires the key; -1 when it never does. */
  ttlSeconds: number
  /** The size of the stored value, in bytes. */
  bytes: number
  encrypted: boolean
}

/** The commands the admin page reads a session key with, on a client the store's command count does not see. */
export interface KeyReader {
  ttl(key: string): Promise<number>
  strLen(key: string): Promise<number>
  get(key: string): Promise<string | null>
}

/** The first characters of a session id: enough to tell sessions apart, not enough to steal one. */
export const maskId = (sid: string): string => `${sid.slice(0, 6)}…`

/** TTL, size and encryption of each session's key, in order; undefined for a key gone since it was listed. */
export function storedSessions(
  redis: KeyReader,
  prefix: string,
  sids: readonly string[],
): Promise<Array<StoredSession | undefined>> {
  return Promise.all(
    sids.map(async (sid) => {
      const key = prefix + sid
      const [ttlSeconds, bytes, value] = await Promise.all([redis.ttl(key), redis.strLen(key), redis.get(key)])
      return value === null
        ? undefined
        : { maskedKey: prefix + maskId(sid), ttlSeconds, bytes, encrypted: looksSealed(value) }
    }),
  )
}
