/**
 * Leases in Redis (src/store/leases.ts): the holder's token, name and expiry are fields of the
 * job hash (`lt`, `lw`, `le`), and `P leases` is a sorted set of held jobs by expiry, on
 * Redis's clock. Each operation is one script built on the same `apply` as every other change
 * (scripts.ts), so the lease check and the change it guards are atomic: a late answer from a
 * worker whose lease lapsed can never slip in between, whichever gateway it reaches.
 */
import { APPLY, COMMON } from './scripts.js';

/**
 * The id of the first due job in claim order (P ready: priority, then arrival) whose type is
 * one of `ARGV[from..]` and not full, or nil. `ARGV[limitsAt]` is a count k of (type, most
 * running at once) pairs after it: a type with that many running (P sty:running:<type>, as in
 * the runners' claim) is left out. Walks P ready in pages, as the runners' claim does; jobs of
 * other types are skipped in place, so a deep backlog of in-process types costs a longer walk.
 */
const FIRST_READY_OF = `
local function firstReadyOf(p, limitsAt)
  local full = {}
  local from = limitsAt + 1 + 2 * tonumber(ARGV[limitsAt])
  for i = limitsAt + 1, from - 1, 2 do
    if runningOf(p, ARGV[i]) >= tonumber(ARGV[i + 1]) then
      full[ARGV[i]] = true
    end
  end
  local wanted, any = {}, false
  for i = from, #ARGV do
    if not full[ARGV[i]] then
      wanted[ARGV[i]] = true
      any = true
    end
  end
  if not any then return nil end
  local at = 0
  while true do
    local ids = redis.call('ZRANGE', p .. 'ready', at, at + 99)
    if #ids == 0 then return nil end
    for _, id in ipairs(ids) do
      if wanted[redis.call('HGET', p .. 'job:' .. id, 'type')] then return id end
    end
    at = at + 100
  end
end
`;

/**
 * held(p, id, token) → nil when `token` holds the job's live lease, else the refusal
 * {'missing'} | {'lost'} | {'canceled'}.
 */
const HELD = `
local function held(p, id, token, now)
  local h = redis.call('HMGET', p .. 'job:' .. id, 'status', 'lt', 'le')
  if not h[1] then return {'missing'} end
  if h[2] ~= token or tonumber(h[3]) <= now then return {'lost'} end
  if h[1] == 'canceled' then return {'canceled'} end
  if h[1] ~= 'running' then return {'lost'} end
  return nil
end
local function release(p, id)
  redis.call('HDEL', p .. 'job:' .. id, 'lt', 'lw', 'le')
  redis.call('ZREM', p .. 'leases', id)
end
`;

/**
 * ARGV: prefix, epoch, token, worker, lease ms, k, k pairs (type, most running at once),
 * types… → {'none'} | {'epoch'} | {'ok', payload, hash, expiresAt}. Takes the job the
 * runners' claim would (due, then priority, then arrival order, passing over full types),
 * like the SQLite store's claim.
 */
export const CLAIM_LEASED_SCRIPT = `${COMMON}${APPLY}${FIRST_READY_OF}
local p = ARGV[1]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
promoteDue(p)
local id = firstReadyOf(p, 6)
if not id then return {'none'} end
local reply = apply(p, id, 'started', '0', '', '', '')
local expires = nowMs() + tonumber(ARGV[5])
redis.call('HSET', p .. 'job:' .. id, 'lt', ARGV[3], 'lw', ARGV[4], 'le', expires)
redis.call('ZADD', p .. 'leases', expires, id)
return {'ok', reply[2], redis.call('HGETALL', p .. 'job:' .. id), tostring(expires)}`;

/**
 * ARGV: prefix, epoch, id, token, lease ms, progress ('' for a renewal only), data ('' for
 * none) → a refusal | {'epoch'} | {'ok', payload ('' without progress), hash, expiresAt, worker}.
 */
export const RENEW_LEASE_SCRIPT = `${COMMON}${APPLY}${HELD}
local p, id = ARGV[1], ARGV[3]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local now = nowMs()
local refused = held(p, id, ARGV[4], now)
if refused then return refused end
local expires = now + tonumber(ARGV[5])
redis.call('HSET', p .. 'job:' .. id, 'le', expires)
redis.call('ZADD', p .. 'leases', expires, id)
local payload = ''
if ARGV[6] ~= '' then payload = apply(p, id, 'progress', ARGV[6], ARGV[7], '', '')[2] end
local worker = redis.call('HGET', p .. 'job:' .. id, 'lw')
return {'ok', payload, redis.call('HGETALL', p .. 'job:' .. id), tostring(expires), worker}`;

/**
 * ARGV: prefix, epoch, id, token, kind, progress, data, result, error (changeArgs), retry
 * delay, retry attempt (the retry decision, as for UPDATE_SCRIPT) → a refusal | {'epoch'} |
 * apply's reply.
 */
export const COMPLETE_LEASED_SCRIPT = `${COMMON}${APPLY}${HELD}
local p, id = ARGV[1], ARGV[3]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local refused = held(p, id, ARGV[4], nowMs())
if refused then return refused end
release(p, id)
return apply(p, id, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])`;

/**
 * ARGV: prefix, epoch, requeueBelowAttempt, the failure's error JSON → {'epoch'} | {'ok',
 * payload, payload, …} (one per job handed back, at most 100 a call). Requeued or failed for
 * good by lapsedLeaseChange's rule (store/leases.ts): with requeueBelowAttempt > 0, while the
 * attempt is below the job's own attempts (when it has more than one) or requeueBelowAttempt.
 */
export const EXPIRE_LEASES_SCRIPT = `${COMMON}${APPLY}${HELD}
local p = ARGV[1]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local reply = {'ok'}
local ids = redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', nowMs(), 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', p .. 'job:' .. id, 'status', 'attempt', 'maxAttempts')
  release(p, id)
  if h[1] == 'running' then
    local applied
    local below, own = tonumber(ARGV[3]), tonumber(h[3] or '1')
    local limit = below
    if own > 1 then limit = own end
    if below > 0 and tonumber(h[2]) < limit then
      applied = apply(p, id, 'requeued', '0', '{"reason":"lease-expired"}', '', '')
    else
      applied = apply(p, id, 'failed', '0', '{"error":' .. ARGV[4] .. '}', '', ARGV[4])
    end
    reply[#reply + 1] = applied[2]
  end
end
return reply`;
