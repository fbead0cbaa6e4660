import { luaScript } from '../../client/lua-script.js'

/*
 * Lua scripts on one user's index: a sorted set of that user's session ids, each scored by the time
 * (in milliseconds, by Redis's clock) its session expires. Each script names the index as its only key,
 * so it runs on the node that holds that key's slot, in a cluster as anywhere else.
 */

/**
 * ARGV[1]: the session id; ARGV[2]: milliseconds the session lives, or 'forever'. Adds (or re-scores)
 * the id, drops ids whose sessions have expired, and makes the index expire with its longest session.
 */
export const RECORD_SESSION = luaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = '+inf'
if ARGV[2] ~= 'forever' then expiry = now + tonumber(ARGV[2]) end
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
local longest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if longest[2] == 'inf' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIREAT', KEYS[1], longest[2])
end
return 1
`)

/** Every session id in the index. */
export const LIST_SESSIONS = luaScript(`return redis.call('ZRANGE', KEYS[1], 0, -1)`)

/** ARGV: session ids to take out of the index (at least one). */
export const FORGET_SESSIONS = luaScript(`return redis.call('ZREM', KEYS[1], unpack(ARGV))`)

/** Lua's unpack() is bounded by the C stack; removals are sent in batches well below it. */
export const FORGET_BATCH = 1000
