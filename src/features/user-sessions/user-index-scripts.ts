import { luaScript } from '../../client/lua-script.js'

/*
 * Lua scripts on one user's index: a sorted set of that user's session ids, each scored by the time
 * (in milliseconds, by Redis's clock) its session expires. Each script names the index as its only key,
 * so it runs on the node that holds that key's slot, in a cluster as anywhere else.
 *
 * A member's score grows on every write of it, even when its expiry does not (disableTTL, or two saves in
 * one millisecond): a removal conditional on the score the remover saw then never takes out a session that
 * was saved since, whichever node holds the session (in a cluster no script can read both keys).
 */

/** Scores of sessions without a TTL (disableTTL): above any real expiry (2^31 s from now), still growing. */
const FOREVER = 1e13

/** Expired ids dropped per write at most: a write never stalls Redis however many have expired since the last one. */
export const PRUNE_BATCH = 100

/**
 * ARGV[1]: the session id; ARGV[2]: milliseconds the session lives, or 'forever'. Adds (or re-scores)
 * the id, drops (at most PRUNE_BATCH) ids whose sessions have expired, and makes the index expire with its longest session.
 * Answers the score it gave, for a removal conditional on it, and how many ids the index holds now (for maxSessionsPerUser).
 */
export const RECORD_SESSION = luaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local score = now + ${FOREVER}
if ARGV[2] ~= 'forever' then score = now + tonumber(ARGV[2]) end
local previous = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if previous and previous ~= math.huge and previous >= score then score = previous + 1 end
redis.call('ZADD', KEYS[1], score, ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, ${PRUNE_BATCH})
if #expired > 0 then redis.call('ZREM', KEYS[1], unpack(expired)) end
local longest = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
if longest >= ${FOREVER} then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIREAT', KEYS[1], longest)
end
return { string.format('%.17g', score), redis.call('ZCARD', KEYS[1]) }
`)

/**
 * ARGV[1]: a ZSCAN cursor ('0' to start); ARGV[2]: the COUNT hint. One page of the index: the next cursor, and ids
 * each followed by its score. ZSCAN returns every member present throughout, however many are removed or re-scored
 * meanwhile (paging by rank would skip some as pruning shifts the ranks), sometimes one twice.
 */
export const LIST_PAGE = luaScript(`return redis.call('ZSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])`)

/**
 * ARGV: pairs of a session id and the score it had when the caller looked (at least one pair). Takes out
 * each id whose score is still that one; an id re-scored since (its session was written) stays.
 */
export const FORGET_UNCHANGED = luaScript(`
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`)

/** KEYS[1]: a session's key, deleted; answers the text it held (false when there was none), for its owner's index. */
export const DELETE_RETURNING = luaScript(`
local text = redis.call('GET', KEYS[1])
if text then redis.call('DEL', KEYS[1]) end
return text
`)

/** ARGV[1]: a session id, taken out of the index. */
export const FORGET_SESSION = luaScript(`return redis.call('ZREM', KEYS[1], ARGV[1])`)

/** Lua's unpack() is bounded by the C stack; removals are sent in batches well below it (pairs: two per id). */
export const FORGET_BATCH = 1000

/** The items in runs of at most FORGET_BATCH, one script call each. */
export function* inBatches<T>(items: readonly T[]): Iterable<T[]> {
  for (let start = 0; start < items.length; start += FORGET_BATCH) yield items.slice(start, start + FORGET_BATCH)
}
