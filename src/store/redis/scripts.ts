/**
 * Lua scripts: every change to a job is one script, so the state-machine check, the job hash,
 * the event stream entry, the indexes, the dispatch outbox and the PUBLISH happen atomically
 * and in order. Checks come before the first write, because a Lua script that errors half-way
 * keeps its writes.
 *
 * Two rules every writing script follows:
 * - **One clock**: timestamps (createdAt, updatedAt, each event's `at`, the retention and
 *   outbox scores) come from Redis's `TIME`, never from the calling process, so a process with
 *   a skewed clock can neither get jobs pruned early nor late (docs/scaling.md).
 * - **One dataset**: the caller passes the deployment epoch it opened with (redis-safety.ts);
 *   a Redis that lost its data (restarted empty, flushed) has no or another epoch, and the
 *   script refuses with {'epoch'} before writing anything.
 *
 * The key layout (prefix P) is in redis-keys.ts; keys are derived inside the scripts, so this
 * layout suits one Redis (or a primary with replicas), not Redis Cluster.
 */
import { TERMINAL_STATUSES } from '../../model/job.js';
import { PRIORITY_MAX } from '../../model/queue-options.js';
import { legalTransitions } from '../../model/state-machine.js';
import { COMPACT_EVERY, LOG_KEEP } from '../log-compaction.js';
import { WEBHOOK_OUTBOX_LUA } from './webhook-outbox-lua.js';

function luaTransitionTable(): string {
  const byFrom = new Map<string, string[]>();
  for (const [from, kind, to] of legalTransitions()) {
    byFrom.set(from, [...(byFrom.get(from) ?? []), `${kind} = '${to}'`]);
  }
  const rows = [...byFrom].map(([from, entries]) => `${from} = { ${entries.join(', ')} }`);
  return `local T = { ${rows.join(', ')} }`;
}

const TERMINAL = `local TERMINAL = { ${TERMINAL_STATUSES.map((s) => `${s} = true`).join(', ')} }`;

/**
 * Helpers shared by the scripts: Redis's clock in milliseconds, the epoch check, the list
 * indexes a job belongs to (mirrored by listIndexKey in redis-keys.ts), a type's running count
 * and the claim order.
 */
export const COMMON = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function sameEpoch(p, epoch)
  return redis.call('GET', p .. 'epoch') == epoch
end
local function fixedIndexes(p, jobType, owner)
  local keys = { p .. 'all', p .. 'ty:' .. jobType }
  if owner and owner ~= '' then
    keys[3] = p .. 'ow:' .. owner
    keys[4] = p .. 'oty:' .. owner .. ':' .. jobType
  end
  return keys
end
-- How many jobs of a type are running, whoever runs them (its status index): what per-type
-- concurrency counts, in every script that starts a job.
local function runningOf(p, jobType)
  return redis.call('ZCARD', p .. 'sty:running:' .. jobType)
end
-- The claim order of a due job in P ready: higher priority first, then insertion number.
-- Formatted as an integer (exact below 2^53): Lua's default number format keeps 14 digits.
local function readyScore(priority, n)
  return string.format('%.0f', (${PRIORITY_MAX} - tonumber(priority)) * 1099511627776 + tonumber(n))
end
-- Moves the delayed jobs now due (at most 1000 a call) to P ready, before any claim.
local function promoteDue(p)
  local due = redis.call('ZRANGEBYSCORE', p .. 'delayed', '-inf', nowMs(), 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local h = redis.call('HMGET', p .. 'job:' .. id, 'priority', 'n')
    redis.call('ZREM', p .. 'delayed', id)
    if h[2] then redis.call('ZADD', p .. 'ready', readyScore(h[1] or 0, h[2]), id) end
  end
end
local function statusIndexes(p, status, jobType, owner)
  local keys = { p .. 'st:' .. status, p .. 'sty:' .. status .. ':' .. jobType }
  if owner and owner ~= '' then
    keys[3] = p .. 'ost:' .. owner .. ':' .. status
    keys[4] = p .. 'osty:' .. owner .. ':' .. status .. ':' .. jobType
  end
  return keys
end
`;

/**
 * apply(p, id, kind, progress, data, result, err, retryDelay, retryAttempt) → {'ok', payload,
 * hash} | {'missing'} | {'illegal', status}. `data` '' means none; for `started`, `failed` and
 * `retrying` the script builds it. A `failed` change with a `retryDelay` (decided by the
 * caller, store/retry-decision.ts, from the run `retryAttempt`) becomes `retrying` if that run
 * is still the job's current one. Due queued jobs sit in P ready, delayed ones in P delayed.
 */
export const APPLY = `
${luaTransitionTable()}
${TERMINAL}
${WEBHOOK_OUTBOX_LUA}
local function apply(p, id, kind, progressArg, data, result, err, retryDelay, retryAttempt)
  local key = p .. 'job:' .. id
  local cur = redis.call('HMGET', key, 'status', 'progress', 'attempt', 'n', 'updatedAt', 'type', 'owner', 'priority', 'keepFor')
  local status = cur[1]
  if not status then return {'missing'} end
  local attempt = tonumber(cur[3])
  if kind == 'failed' and retryDelay and retryDelay ~= '' and status == 'running'
    and attempt == tonumber(retryAttempt) then
    kind = 'retrying'
  end
  local to = T[status] and T[status][kind]
  if not to then return {'illegal', status} end
  local progress = tonumber(cur[2])
  -- Never backwards, even if Redis's own clock is stepped back.
  local now = math.max(nowMs(), tonumber(cur[5]))
  local seq = redis.call('HINCRBY', key, 'seq', 1)
  local runAt = nil
  if kind == 'started' then
    attempt = attempt + 1
    data = '{"attempt":' .. attempt .. '}'
    redis.call('HDEL', key, 'error')
  elseif kind == 'progress' then
    progress = tonumber(progressArg)
  elseif kind == 'succeeded' then
    progress = 100
    redis.call('HSET', key, 'result', result)
  elseif kind == 'failed' then
    redis.call('HSET', key, 'error', err)
    data = '{"error":' .. err .. ',"attempt":' .. attempt .. '}'
  elseif kind == 'retrying' then
    progress = 0
    runAt = now + tonumber(retryDelay)
    redis.call('HSET', key, 'error', err, 'runAt', runAt)
    data = '{"error":' .. err .. ',"attempt":' .. attempt .. ',"runAt":' .. runAt .. '}'
  elseif kind == 'requeued' then
    progress = 0
    redis.call('HDEL', key, 'result', 'error')
  end
  if to ~= 'queued' then redis.call('HDEL', key, 'runAt') end
  redis.call('HSET', key, 'status', to, 'progress', progress, 'attempt', attempt, 'updatedAt', now)
  if data ~= '' then
    redis.call('XADD', p .. 'ev:' .. id, '0-' .. seq, 'k', kind, 's', to, 'p', progress, 't', now, 'd', data)
  else
    redis.call('XADD', p .. 'ev:' .. id, '0-' .. seq, 'k', kind, 's', to, 'p', progress, 't', now)
  end
  -- Compaction (src/store/log-compaction.ts): keep the newest events, delete a prefix.
  if kind == 'progress' and seq % ${COMPACT_EVERY} == 0 and seq > ${LOG_KEEP} then
    redis.call('XTRIM', p .. 'ev:' .. id, 'MINID', '0-' .. (seq - ${LOG_KEEP} + 1))
  end
  if to ~= status then
    for _, index in ipairs(statusIndexes(p, status, cur[6], cur[7])) do redis.call('ZREM', index, id) end
    for _, index in ipairs(statusIndexes(p, to, cur[6], cur[7])) do redis.call('ZADD', index, cur[4], id) end
    if status == 'queued' then
      redis.call('ZREM', p .. 'outbox', id)
      redis.call('ZREM', p .. 'ready', id)
      redis.call('ZREM', p .. 'delayed', id)
      redis.call('ZREM', p .. 'parked:' .. cur[6], id) -- waiting for a slot (type-slot-scripts.ts)
    end
    if runAt then
      redis.call('ZADD', p .. 'delayed', runAt, id)
    elseif to == 'queued' then
      redis.call('ZADD', p .. 'ready', readyScore(cur[8] or 0, cur[4]), id)
    end
    -- Retention: by last change in P done, or by the end of its own keepFor in P kept.
    if TERMINAL[to] and cur[9] then
      redis.call('ZADD', p .. 'kept', now + tonumber(cur[9]), id)
    elseif TERMINAL[to] then
      redis.call('ZADD', p .. 'done', now, id)
    end
  end
  local payload = '{"jobId":"' .. id .. '","seq":' .. seq .. ',"kind":"' .. kind ..
    '","status":"' .. to .. '","progress":' .. progress .. ',"at":' .. now
  if data ~= '' then payload = payload .. ',"data":' .. data end
  payload = payload .. '}'
  recordWebhooks(p, id, seq, kind, to, now, payload) -- the webhook outbox, same script
  redis.call('PUBLISH', p .. 'events', payload)
  return {'ok', payload, redis.call('HGETALL', key)}
end
`;

/** ARGV: prefix, epoch, id, kind, progress, data, result, error, retry delay, retry attempt. */
export const UPDATE_SCRIPT = `${COMMON}${APPLY}
if not sameEpoch(ARGV[1], ARGV[2]) then return {'epoch'} end
return apply(ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])`;

/**
 * ARGV: prefix, epoch, limit, k, then k pairs (job type, most running at once), then job types
 * to skip. Moves the delayed jobs now due to P ready, then starts up to `limit` jobs of other
 * types in claim order (skipped ones stay). A limited type's running jobs are counted in its
 * status index (P sty:running:<type>): every running job of it, whichever process or worker
 * runs it, so the limit holds across them. → {'ok', next due time ('' for none), payload,
 * hash, payload, hash, …}.
 */
export const CLAIM_SCRIPT = `${COMMON}${APPLY}
local p, limit = ARGV[1], tonumber(ARGV[3])
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
promoteDue(p)
local skip, free = {}, {}
local pairsEnd = 4 + 2 * tonumber(ARGV[4])
for i = 5, pairsEnd, 2 do
  free[ARGV[i]] = tonumber(ARGV[i + 1]) - runningOf(p, ARGV[i])
  if free[ARGV[i]] <= 0 then skip[ARGV[i]] = true end
end
for i = pairsEnd + 1, #ARGV do skip[ARGV[i]] = true end
local reply = {'ok', ''}
local taken, from = 0, 0
while taken < limit do
  local ids = redis.call('ZRANGE', p .. 'ready', from, from + 99)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local jobType = redis.call('HGET', p .. 'job:' .. id, 'type')
    if taken < limit and not skip[jobType] then
      local applied = apply(p, id, 'started', '0', '', '', '', '', '')
      if applied[1] == 'ok' then
        reply[#reply + 1] = applied[2]
        reply[#reply + 1] = applied[3]
        taken = taken + 1
        from = from - 1 -- it left P ready: the page shifted by one
        if jobType and free[jobType] then
          free[jobType] = free[jobType] - 1
          if free[jobType] <= 0 then skip[jobType] = true end
        end
      else
        redis.call('ZREM', p .. 'ready', id)
        from = from - 1
      end
    end
  end
  from = from + 100
end
local nextDue = redis.call('ZRANGE', p .. 'delayed', 0, 0, 'WITHSCORES')
if nextDue[2] then reply[2] = nextDue[2] end
return reply`;

/**
 * ARGV: prefix, epoch, id, type, input, idempotency key ('' for none), request hash, owner (''
 * for none), max attempts, backoff JSON ('' for none), priority, run at (ms, '' for now),
 * webhook targets JSON ('' for none), keep for (ms, '' for the server's retention).
 * → {'created', payload, hash} | {'existing', hash} | {'epoch'}. The job also enters the
 * dispatch outbox, which it leaves once the queue confirmed it (or it stops being queued).
 */
export const CREATE_SCRIPT = `${COMMON}${WEBHOOK_OUTBOX_LUA}
local p, epoch, id, jobType, input, idem, hash, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local maxAttempts, backoff, priority, runAt = ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12])
if not sameEpoch(p, epoch) then return {'epoch'} end
if idem ~= '' then
  local existing = redis.call('GET', p .. 'idem:' .. idem)
  if existing then return {'existing', redis.call('HGETALL', p .. 'job:' .. existing)} end
end
local now = nowMs()
local key = p .. 'job:' .. id
local n = redis.call('INCR', p .. 'n')
redis.call('HSET', key, 'n', n, 'id', id, 'type', jobType, 'status', 'queued', 'progress', 0,
  'seq', 1, 'attempt', 0, 'input', input, 'hash', hash, 'createdAt', now, 'updatedAt', now,
  'maxAttempts', maxAttempts, 'priority', priority)
if backoff ~= '' then redis.call('HSET', key, 'backoff', backoff) end
if ARGV[14] and ARGV[14] ~= '' then redis.call('HSET', key, 'keepFor', ARGV[14]) end
if runAt and runAt <= now then runAt = nil end
if idem ~= '' then
  redis.call('HSET', key, 'idem', idem)
  redis.call('SET', p .. 'idem:' .. idem, id)
end
if owner ~= '' then redis.call('HSET', key, 'owner', owner) end
local payload = '{"jobId":"' .. id .. '","seq":1,"kind":"queued","status":"queued","progress":0,"at":' .. now
if runAt then
  redis.call('HSET', key, 'runAt', runAt)
  redis.call('ZADD', p .. 'delayed', runAt, id)
  redis.call('XADD', p .. 'ev:' .. id, '0-1', 'k', 'queued', 's', 'queued', 'p', 0, 't', now, 'd', '{"runAt":' .. runAt .. '}')
  payload = payload .. ',"data":{"runAt":' .. runAt .. '}}'
else
  redis.call('ZADD', p .. 'ready', readyScore(priority, n), id)
  redis.call('XADD', p .. 'ev:' .. id, '0-1', 'k', 'queued', 's', 'queued', 'p', 0, 't', now)
  payload = payload .. '}'
end
for _, index in ipairs(fixedIndexes(p, jobType, owner)) do redis.call('ZADD', index, n, id) end
for _, index in ipairs(statusIndexes(p, 'queued', jobType, owner)) do redis.call('ZADD', index, n, id) end
redis.call('ZADD', p .. 'outbox', now, id)
addWebhookTargets(p, id, ARGV[13])
recordWebhooks(p, id, 1, 'queued', 'queued', now, payload)
redis.call('PUBLISH', p .. 'events', payload)
return {'created', payload, redis.call('HGETALL', key)}`;

/**
 * ARGV: prefix, epoch, age (ms), limit, ahead (ms). Deletes up to `limit` finished jobs whose
 * last change is more than `age` ago on Redis's clock, then (within the same limit) jobs whose
 * own keepFor ended before Redis's clock plus `ahead` (0 but in tests); returns how many, or
 * -1 for another epoch.
 */
export const PRUNE_SCRIPT = `${COMMON}${WEBHOOK_OUTBOX_LUA}
local p = ARGV[1]
if not sameEpoch(p, ARGV[2]) then return -1 end
local now, limit = nowMs(), tonumber(ARGV[4])
local ids = redis.call('ZRANGEBYSCORE', p .. 'done', '-inf', '(' .. (now - tonumber(ARGV[3])), 'LIMIT', 0, limit)
if #ids < limit then
  local kept = redis.call('ZRANGEBYSCORE', p .. 'kept', '-inf', '(' .. (now + tonumber(ARGV[5] or 0)), 'LIMIT', 0, limit - #ids)
  for _, id in ipairs(kept) do ids[#ids + 1] = id end
end
for _, id in ipairs(ids) do
  local key = p .. 'job:' .. id
  local h = redis.call('HMGET', key, 'status', 'type', 'idem', 'owner')
  redis.call('DEL', key, p .. 'ev:' .. id)
  if h[3] then redis.call('DEL', p .. 'idem:' .. h[3]) end
  if h[2] then
    for _, index in ipairs(fixedIndexes(p, h[2], h[4])) do redis.call('ZREM', index, id) end
    if h[1] then
      for _, index in ipairs(statusIndexes(p, h[1], h[2], h[4])) do redis.call('ZREM', index, id) end
    end
  end
  redis.call('ZREM', p .. 'done', id)
  redis.call('ZREM', p .. 'kept', id)
  redis.call('ZREM', p .. 'outbox', id)
  pruneWebhooks(p, id)
end
return #ids`;

/**
 * ARGV: prefix, index key, max score ('+inf' or '(n'), count. One page of a list: the epoch,
 * then the hashes of up to `count` jobs from one index, newest first.
 */
export const LIST_SCRIPT = `
local p = ARGV[1]
local ids = redis.call('ZREVRANGEBYSCORE', ARGV[2], ARGV[3], '-inf', 'LIMIT', 0, tonumber(ARGV[4]))
local reply = { redis.call('GET', p .. 'epoch') or '' }
for _, id in ipairs(ids) do
  local hash = redis.call('HGETALL', p .. 'job:' .. id)
  if #hash > 0 then reply[#reply + 1] = hash end
end
return reply`;

/**
 * ARGV: prefix, epoch, grace (ms), limit. The jobs whose enqueue was not confirmed within
 * `grace`: [id, type, priority, runAt ('' for none), id, …]. Each is pushed back by `grace`, so that one reconciler pass
 * (in any process) takes it at a time; entries of jobs no longer queued are dropped.
 */
export const OUTBOX_SCRIPT = `${COMMON}
local p, grace = ARGV[1], tonumber(ARGV[3])
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local now = nowMs()
local ids = redis.call('ZRANGEBYSCORE', p .. 'outbox', '-inf', now - grace, 'LIMIT', 0, tonumber(ARGV[4]))
local due = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', p .. 'job:' .. id, 'status', 'type', 'priority', 'runAt')
  if h[1] == 'queued' then
    redis.call('ZADD', p .. 'outbox', now, id)
    due[#due + 1] = id
    due[#due + 1] = h[2]
    due[#due + 1] = h[3] or '0'
    due[#due + 1] = h[4] or ''
  else
    redis.call('ZREM', p .. 'outbox', id)
  end
end
return due`;
