import { luaScript } from '../../client/lua-script.js'

/*
 * Lua scripts for maxSessionsPerUser. Each user has, beside the index (user-index-scripts.ts), a sorted set of their
 * session ids scored by last activity (milliseconds, by Redis's clock), and a lock under which one instance at a time
 * enforces the limit. Each script names one key only, so it runs on that key's node in a cluster.
 */

/**
 * ARGV[1]: a session id; ARGV[2]: milliseconds the session lives, or 'forever'; ARGV[3]: entries kept at most.
 * Scores the id by now. Entries beyond the bound are dropped, least recently active first: they are of sessions that
 * ended without a destroy() (expired, or deleted out of band), since the limit keeps far fewer live ones. The key lives
 * as long as its longest-lived session.
 */
export const NOTE_ACTIVITY = luaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Before the ZADD: -2 for a new key, -1 for one kept for ever (a session without a TTL), else what it has left.
local left = redis.call('PTTL', KEYS[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
if ARGV[2] == 'forever' then
  redis.call('PERSIST', KEYS[1])
elseif left == -2 or (left ~= -1 and left < tonumber(ARGV[2])) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return now
`)

/** ARGV: session ids. Each one's last activity, or false for an id without one. */
export const ACTIVITY_OF = luaScript(`
local scores = {}
for i = 1, #ARGV do scores[i] = redis.call('ZSCORE', KEYS[1], ARGV[i]) end
return scores
`)

/** ARGV[1]: a token of the caller's; ARGV[2]: milliseconds. Takes the lock unless somebody holds it: 'OK' or false. */
export const TAKE_LOCK = luaScript(`return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])`)

/** ARGV[1]: the token the lock was taken with. Lets it go, unless it expired and somebody else took it since. */
export const RELEASE_LOCK = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

/** ARGV: ids of sessions destroyed (at least one, at most FORGET_BATCH: see inBatches). Takes them out. */
export const FORGET_ACTIVITY = luaScript(`return redis.call('ZREM', KEYS[1], unpack(ARGV))`)
