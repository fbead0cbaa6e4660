import { luaScript } from '../../client/lua-script.js'
import type { SessionClient } from '../../client/types.js'
import type { SessionRecord } from '../../helpers/session.js'
import { type CompareAndSetOutcome, compareAndSet } from './compare-and-set.js'
import type { Snapshot } from './snapshot.js'

/**
 * KEYS[1]: the session's key. ARGV[1]: the text expected there; ARGV[2]: the text to write. Writes over the
 * expected text only, keeping the key's time to live (PTTL then SET PX, as SET KEEPTTL needs Redis 6).
 * Answers 1 when written, 0 when the key is gone or holds other text.
 */
export const REWRITE_KEEPING_TTL = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`)

export interface OutdatedRewriteParts {
  client: SessionClient
  keyOf(sid: string): string
  encode(session: SessionRecord, sid: string): string
  decode(text: string, sid: string): Promise<SessionRecord>
}

/**
 * Text the serializer reported outdated (written with an old secret, in an old format, unencrypted) is written
 * again as the serializer writes now, holding the same data: by the next touch or unchanged save of its session,
 * in place of their EXPIRE, or by a sweep (rewriteOutdated()). Always over the text that was loaded, so that a
 * session destroyed meanwhile is never written back and another request's change is never overwritten.
 */
export function outdatedRewrites(parts: OutdatedRewriteParts) {
  const { client, keyOf } = parts
  return {
    /** The data that was loaded, in the serializer's current form; a touch must not write the request's changes. */
    async sameDataAnew(snapshot: Snapshot): Promise<string> {
      return parts.encode(await parts.decode(snapshot.base, snapshot.sid), snapshot.sid)
    },
    /** `text` over the snapshot's, living `expiry` seconds (or for ever, undefined): one EVALSHA. */
    replace: (snapshot: Snapshot, text: string, expiry: number | undefined): Promise<CompareAndSetOutcome> =>
      compareAndSet(client, keyOf(snapshot.sid), snapshot.stored, text, expiry),
    /** `text` over the snapshot's, the key's expiry unchanged: a sweep neither extends nor cuts a session's life. */
    async replaceKeepingTtl(snapshot: Snapshot, text: string): Promise<boolean> {
      return Number(await client.evalOnKey(REWRITE_KEEPING_TTL, keyOf(snapshot.sid), [snapshot.stored, text])) === 1
    },
  }
}
