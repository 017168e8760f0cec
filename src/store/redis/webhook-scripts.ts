/**
 * The Redis webhook outbox's delivery queue (keys in webhook-outbox-lua.ts). Each operation is
 * one script, so a claim and its lease are atomic: whichever gateway or worker claims a
 * delivery holds it alone until it records the attempt or the lease runs out. A lease is a
 * token on the delivery; an answer under another token (a lease that lapsed and was taken by
 * another process) changes nothing. `now` comes from the caller, the delivery loop's clock
 * (the deployment's, Redis's, in a server), so tests can drive it by hand.
 */
import { COMMON } from './scripts.js';

/** How many due entries one claim looks at, at most (blocked ones are skipped, not removed). */
const CLAIM_SCAN = 1000;

/**
 * ARGV: prefix, epoch, now, limit, lease ms, token → {'epoch'} | {'ok', id, job, url, ev,
 * attempts, window start, endpoint id, secret, previous secret, previous until, id, …}. Oldest due first; a delivery waits while an earlier one of
 * the same job to the same URL is pending (per job and URL, in order).
 */
export const WEBHOOK_CLAIM_SCRIPT = `${COMMON}
local p, now, limit, leaseMs, token = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local reply = {'ok'}
local taken = 0
local due = redis.call('ZRANGEBYSCORE', p .. 'wdue', '-inf', now, 'LIMIT', 0, ${CLAIM_SCAN})
for _, did in ipairs(due) do
  if taken >= limit then break end
  local key = p .. 'wd:' .. did
  local d = redis.call('HMGET', key, 'job', 'url', 'ev', 'att', 'ws', 'n', 'state', 'ep')
  if d[7] ~= 'pending' then
    redis.call('ZREM', p .. 'wdue', did)
  else
    local blocked = false
    for _, e in ipairs(redis.call('ZRANGEBYSCORE', p .. 'wdp:' .. d[1], '-inf', '(' .. d[6])) do
      if redis.call('HGET', p .. 'wd:' .. e, 'url') == d[2] then blocked = true break end
    end
    if not blocked then
      redis.call('HSET', key, 'lt', token, 'lu', now + leaseMs)
      redis.call('ZADD', p .. 'wdue', now + leaseMs, did)
      reply[#reply + 1] = did
      reply[#reply + 1] = d[1]
      reply[#reply + 1] = d[2]
      reply[#reply + 1] = d[3]
      reply[#reply + 1] = d[4]
      reply[#reply + 1] = d[5]
      -- The endpoint's keys as they are now ('' each: no endpoint, or a deleted one).
      local k = { false, false, false }
      if d[8] and d[8] ~= '' then
        k = redis.call('HMGET', p .. 'whe:' .. d[8], 'sec', 'psec', 'pu')
      end
      reply[#reply + 1] = d[8] or ''
      reply[#reply + 1] = k[1] or ''
      reply[#reply + 1] = k[2] or ''
      reply[#reply + 1] = k[3] or ''
      taken = taken + 1
    end
  end
end
return reply`;

/** ARGV: prefix, epoch, id, token, next at → {'ok'} | {'lost'} | {'epoch'}. */
export const WEBHOOK_POSTPONE_SCRIPT = `${COMMON}
local p, did, token, nextAt = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local key = p .. 'wd:' .. did
if redis.call('HGET', key, 'lt') ~= token then return {'lost'} end
redis.call('HSET', key, 'next', nextAt, 'lt', '', 'lu', 0)
redis.call('ZADD', p .. 'wdue', nextAt, did)
return {'ok'}`;

/**
 * ARGV: prefix, epoch, id, token, attempt JSON, outcome state, next at ('' unless pending) →
 * {'ok'} | {'lost'} | {'epoch'}. Records the attempt and what follows it; ends the lease.
 */
export const WEBHOOK_ATTEMPT_SCRIPT = `${COMMON}
local p, did, token, attempt, state, nextAt = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local key = p .. 'wd:' .. did
local d = redis.call('HMGET', key, 'lt', 'job', 'state')
if d[1] ~= token or d[3] ~= 'pending' then return {'lost'} end
redis.call('RPUSH', p .. 'wda:' .. did, attempt)
redis.call('HINCRBY', key, 'att', 1)
redis.call('HSET', key, 'state', state, 'lt', '', 'lu', 0)
if state == 'pending' then
  redis.call('HSET', key, 'next', nextAt)
  redis.call('ZADD', p .. 'wdue', nextAt, did)
else
  redis.call('HINCRBY', p .. 'wdc', 'pending', -1)
  redis.call('HINCRBY', p .. 'wdc', state, 1)
  redis.call('ZREM', p .. 'wdue', did)
  redis.call('ZREM', p .. 'wdp:' .. d[2], did)
end
return {'ok'}`;

/** ARGV: prefix, epoch, job id, delivery id, now → {'redelivered'} | {'missing'} | {'not_dead'} | {'epoch'}. */
export const WEBHOOK_REDELIVER_SCRIPT = `${COMMON}
local p, job, did, now = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local key = p .. 'wd:' .. did
local d = redis.call('HMGET', key, 'job', 'state', 'n')
if d[1] ~= job then return {'missing'} end
if d[2] ~= 'dead' then return {'not_dead'} end
redis.call('HSET', key, 'state', 'pending', 'next', now, 'ws', now, 'lt', '', 'lu', 0)
redis.call('ZADD', p .. 'wdue', now, did)
redis.call('ZADD', p .. 'wdp:' .. job, d[3], did)
redis.call('HINCRBY', p .. 'wdc', 'dead', -1)
redis.call('HINCRBY', p .. 'wdc', 'pending', 1)
redis.call('PUBLISH', p .. 'webhooks', '1')
return {'redelivered'}`;

/**
 * ARGV: job id key prefix (P) and job id → the job's deliveries, oldest first: {hash, attempts
 * list, hash, attempts list, …}. One read, so a delivery and its attempts are seen together.
 */
export const WEBHOOK_FOR_JOB_SCRIPT = `
local p, job = ARGV[1], ARGV[2]
local reply = {}
for _, did in ipairs(redis.call('ZRANGE', p .. 'wdj:' .. job, 0, -1)) do
  reply[#reply + 1] = redis.call('HGETALL', p .. 'wd:' .. did)
  reply[#reply + 1] = redis.call('LRANGE', p .. 'wda:' .. did, 0, -1)
end
return reply`;
