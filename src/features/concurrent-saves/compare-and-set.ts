import { luaScript } from '../../client/lua-script.js'
import type { SessionClient } from '../../client/types.js'

/** Seconds to live as a script argument: '' for none (disableTTL), as `setFor` reads it. */
export const ttlArgument = (expiry: number | undefined): string => (expiry === undefined ? '' : String(expiry))

/** Lua that writes ARGV[value] to the key, for ARGV[ttl] seconds, or for ever when that is '' (disableTTL). */
export const setFor = (value: number, ttl: number) => `
if ARGV[${ttl}] == '' then
  redis.call('SET', KEYS[1], ARGV[${value}])
else
  redis.call('SET', KEYS[1], ARGV[${value}], 'EX', ARGV[${ttl}])
end`

/**
 * KEYS[1]: the session's key. ARGV[1]: the text this process expects there (what it loaded or last wrote);
 * ARGV[2]: the text to write; ARGV[3]: seconds to live, or '' for none (disableTTL).
 * Writes only over the expected text, so a save never creates a destroyed session nor erases a change
 * it has not seen. Answers 1 when written, 0 when the key is gone, and otherwise the text stored now,
 * for the caller to merge its changes into and try again.
 */
export const COMPARE_AND_SET = luaScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then${setFor(2, 3)}
  return 1
end
if current == false then return 0 end
return current
`)

export type CompareAndSetOutcome = { written: true } | { gone: true } | { storedNow: string }

export function compareAndSetOutcome(reply: unknown): CompareAndSetOutcome {
  if (reply === 1) return { written: true }
  if (reply === 0) return { gone: true }
  // A client with a Buffer type mapping answers with Buffers; sessions are text.
  return { storedNow: String(reply) }
}

/**
 * KEYS[1]: the session's key. ARGV[1]: the text to write; ARGV[2]: seconds to live, or '' for none.
 * The save of a session read in bulk, whose loaded text was not kept: written whole, but only while the
 * session exists, so that a session destroyed since it was read is never written back. Answers 1 or 0.
 */
export const WRITE_IF_PRESENT = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end${setFor(1, 2)}
return 1
`)

/** `text` over `expected` at `key`, living `expiry` seconds (or for ever, undefined): one EVALSHA of COMPARE_AND_SET. */
export async function compareAndSet(
  client: SessionClient,
  key: string,
  expected: string,
  text: string,
  expiry: number | undefined,
): Promise<CompareAndSetOutcome> {
  return compareAndSetOutcome(await client.evalOnKey(COMPARE_AND_SET, key, [expected, text, ttlArgument(expiry)]))
}
