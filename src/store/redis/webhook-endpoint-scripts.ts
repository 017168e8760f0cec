/**
 * Registered webhook endpoints in Redis (src/store/webhook-endpoints.ts), under the prefix P:
 *
 *   P whe:<id>        hash: id, n, owner ('' none), url, events, desc (absent: none), sec,
 *                     psec/pu (the replaced secret and until when it signs, ms; absent: none),
 *                     created, updated (ms on Redis's clock)
 *   P whe:n           creation counter
 *   P whe:ow:<owner>  zset by n: an owner's endpoints      P whe:none  those without an owner
 *
 * The owner's set is both the list (newest first) and what the change scripts read to fan
 * an event out (webhook-outbox-lua.ts), so one script keeps hash and set in step.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** webhookEndpointSet(p, owner): the set of the owner's endpoints (owner '' or nil: none). */
export const WEBHOOK_ENDPOINT_SET_LUA = `
local function webhookEndpointSet(p, owner)
  if owner and owner ~= '' then return p .. 'whe:ow:' .. owner end
  return p .. 'whe:none'
end
`;

/** ARGV: prefix, id, owner ('' none), url, events, description ('' none), has description ('1'|'0'), secret. */
export const ENDPOINT_CREATE_SCRIPT = `${NOW}${WEBHOOK_ENDPOINT_SET_LUA}
local p, id = ARGV[1], ARGV[2]
local n = redis.call('INCR', p .. 'whe:n')
local key = p .. 'whe:' .. id
redis.call('HSET', key, 'id', id, 'n', n, 'owner', ARGV[3], 'url', ARGV[4], 'events', ARGV[5],
  'sec', ARGV[8], 'created', now, 'updated', now)
if ARGV[7] == '1' then redis.call('HSET', key, 'desc', ARGV[6]) end
redis.call('ZADD', webhookEndpointSet(p, ARGV[3]), n, id)
return redis.call('HGETALL', key)
`;

/**
 * ARGV: prefix, id, url ('' keep), events ('' keep), description mode ('keep' | 'set' |
 * 'remove'), description. Returns the hash fields, or {} when there is no such endpoint.
 */
export const ENDPOINT_UPDATE_SCRIPT = `${NOW}
local p, id = ARGV[1], ARGV[2]
local key = p .. 'whe:' .. id
if redis.call('EXISTS', key) == 0 then return {} end
if ARGV[3] ~= '' then redis.call('HSET', key, 'url', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', key, 'events', ARGV[4]) end
if ARGV[5] == 'set' then redis.call('HSET', key, 'desc', ARGV[6])
elseif ARGV[5] == 'remove' then redis.call('HDEL', key, 'desc') end
redis.call('HSET', key, 'updated', now)
return redis.call('HGETALL', key)
`;

/** ARGV: prefix, id, new secret, previous until (ms; 0: no overlap). Returns the hash, or {}. */
export const ENDPOINT_ROTATE_SCRIPT = `${NOW}
local p, id = ARGV[1], ARGV[2]
local key = p .. 'whe:' .. id
local current = redis.call('HGET', key, 'sec')
if not current then return {} end
if tonumber(ARGV[4]) > 0 then redis.call('HSET', key, 'psec', current, 'pu', ARGV[4])
else redis.call('HDEL', key, 'psec', 'pu') end
redis.call('HSET', key, 'sec', ARGV[3], 'updated', now)
return redis.call('HGETALL', key)
`;

/** ARGV: prefix, id → 1 when deleted, 0 when there was none. */
export const ENDPOINT_DELETE_SCRIPT = `${WEBHOOK_ENDPOINT_SET_LUA}
local p, id = ARGV[1], ARGV[2]
local key = p .. 'whe:' .. id
local owner = redis.call('HGET', key, 'owner')
if not owner then return 0 end
redis.call('ZREM', webhookEndpointSet(p, owner), id)
redis.call('DEL', key)
return 1
`;
