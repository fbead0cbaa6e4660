import { createHash } from 'node:crypto'
import { luaScript } from '../client/lua-script.js'
import type { SessionClient } from '../client/types.js'

/**
 * KEYS[1]: a session's key; ARGV[1]: the SHA-1 (hex) of the value that was read. Deletes the key only
 * while it still holds that value, so that a session saved since the read is never removed. Answers 1 or 0.
 */
const DELETE_IF_UNCHANGED = luaScript(`
local current = redis.call('GET', KEYS[1])
if current and redis.sha1hex(current) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

/** KEYS[1]: a session's key. Its value and the SHA-1 (hex) of its bytes, or nil when there is none. */
const VALUE_AND_DIGEST = luaScript(`
local current = redis.call('GET', KEYS[1])
if not current then return false end
return { current, redis.sha1hex(current) }
`)

// What a client's UTF-8 decoding puts in place of bytes that are not UTF-8: the text no longer gives the bytes back.
const REPLACEMENT_CHARACTER = '\uFFFD'

const deleted = (reply: unknown): boolean => Number(reply) === 1

/**
 * `removeIfUnchanged(key, text)`: deletes the key if it still holds the value that was read as `text` (one that could
 * not be decoded under onCorruptSession 'fail', or a session maxSessionsPerUser destroys), and leaves it otherwise;
 * whether it deleted. One script; two when the value was no UTF-8 text, whose bytes only Redis knows: their digest is
 * read first, with the value, which must still read as `text`.
 */
export function unchangedRemover(client: SessionClient) {
  return async function removeIfUnchanged(key: string, text: string): Promise<boolean> {
    if (!text.includes(REPLACEMENT_CHARACTER)) {
      return deleted(await client.evalOnKey(DELETE_IF_UNCHANGED, key, [createHash('sha1').update(text).digest('hex')]))
    }
    const stored = await client.evalOnKey(VALUE_AND_DIGEST, key, [])
    // A client with a Buffer type mapping answers with Buffers; they decode as the GET's reply did.
    if (!Array.isArray(stored) || String(stored[0]) !== text) return false
    return deleted(await client.evalOnKey(DELETE_IF_UNCHANGED, key, [String(stored[1])]))
  }
}
