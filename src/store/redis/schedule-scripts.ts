/**
 * Schedules in Redis (src/store/schedules.ts), under the store's prefix P:
 *
 *   P sch:<id>     hash: `s` (the schedule's fixed fields, JSON), `n`, `owner`, `paused`,
 *                  `next`, `last`, `job`, `created`, `updated` (ms on Redis's clock)
 *   P sch:n        insertion counter      P sch:all, P sch:ow:<owner>   zsets by `n`: lists
 *   P sch:due      zset: unpaused schedules by next tick (ms): what the tickers fire
 *
 * Each write is one script, so a tick's compare-and-set on `next` is atomic across gateways.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** ARGV: prefix, id, fixed JSON, owner ('' none), next ('' none). Returns the hash fields. */
export const SCHEDULE_CREATE_SCRIPT = `
${NOW}
local p, id = ARGV[1], ARGV[2]
local n = redis.call('INCR', p .. 'sch:n')
local key = p .. 'sch:' .. id
redis.call('HSET', key, 's', ARGV[3], 'n', n, 'owner', ARGV[4], 'paused', '0', 'next', ARGV[5],
  'last', '', 'job', '', 'created', now, 'updated', now)
redis.call('ZADD', p .. 'sch:all', n, id)
if ARGV[4] ~= '' then redis.call('ZADD', p .. 'sch:ow:' .. ARGV[4], n, id) end
if ARGV[5] ~= '' then redis.call('ZADD', p .. 'sch:due', tonumber(ARGV[5]), id) end
return redis.call('HGETALL', key)
`;

/** ARGV: prefix, id, paused ('1'|'0'), next ('' none). Returns the hash fields, or {} if none. */
export const SCHEDULE_PAUSE_SCRIPT = `
${NOW}
local p, id = ARGV[1], ARGV[2]
local key = p .. 'sch:' .. id
if redis.call('EXISTS', key) == 0 then return {} end
local next = ARGV[3] == '1' and '' or ARGV[4]
redis.call('HSET', key, 'paused', ARGV[3], 'next', next, 'updated', now)
if next == '' then redis.call('ZREM', p .. 'sch:due', id)
else redis.call('ZADD', p .. 'sch:due', tonumber(next), id) end
return redis.call('HGETALL', key)
`;

/** ARGV: prefix, id. Returns 1 when it existed. */
export const SCHEDULE_DELETE_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
local key = p .. 'sch:' .. id
local owner = redis.call('HGET', key, 'owner')
if not owner then return 0 end
redis.call('DEL', key)
redis.call('ZREM', p .. 'sch:all', id)
redis.call('ZREM', p .. 'sch:due', id)
if owner ~= '' then redis.call('ZREM', p .. 'sch:ow:' .. owner, id) end
return 1
`;

/**
 * The tick's compare-and-set. ARGV: prefix, id, tick, next ('' none), job id. Moves the
 * schedule from `tick` to `next` only while it is unpaused at `tick`: 1, else 0 (stale).
 */
export const SCHEDULE_ADVANCE_SCRIPT = `
${NOW}
local p, id = ARGV[1], ARGV[2]
local key = p .. 'sch:' .. id
local h = redis.call('HMGET', key, 'paused', 'next')
if h[1] ~= '0' or h[2] ~= ARGV[3] then return 0 end
redis.call('HSET', key, 'next', ARGV[4], 'last', ARGV[3], 'job', ARGV[5], 'updated', now)
if ARGV[4] == '' then redis.call('ZREM', p .. 'sch:due', id)
else redis.call('ZADD', p .. 'sch:due', tonumber(ARGV[4]), id) end
return 1
`;
