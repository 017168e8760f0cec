/**
 * Lua scripts: every change to a job is one script, so the state-machine check, the job hash,
 * the event stream entry, the indexes and the PUBLISH happen atomically and in order. Checks
 * come before the first write, because a Lua script that errors half-way keeps its writes.
 *
 * Keys (prefix P): P..'job:'..id hash; P..'ev:'..id stream (entry ids 0-<seq>);
 * P..'idem:'..key → id; P..'n' insertion counter; sorted sets by insertion number P..'all',
 * P..'st:'..status, P..'ty:'..type, P..'ow:'..owner; P..'done' finished jobs by last change
 * (for pruning).
 * Keys are derived inside the scripts, so this layout suits one Redis (or a primary with
 * replicas), not Redis Cluster.
 */
import { TERMINAL_STATUSES } from '../../model/job.js';
import { legalTransitions } from '../../model/state-machine.js';

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
 * apply(p, id, kind, progress, data, result, err, now) → {'ok', payload, hash} | {'missing'} |
 * {'illegal', status}. `data` '' means none; for `started` the script builds it.
 */
const APPLY = `
${luaTransitionTable()}
${TERMINAL}
local function apply(p, id, kind, progressArg, data, result, err, now)
  local key = p .. 'job:' .. id
  local cur = redis.call('HMGET', key, 'status', 'progress', 'attempt', 'n', 'updatedAt')
  local status = cur[1]
  if not status then return {'missing'} end
  local to = T[status] and T[status][kind]
  if not to then return {'illegal', status} end
  local progress = tonumber(cur[2])
  local attempt = tonumber(cur[3])
  if tonumber(now) < tonumber(cur[5]) then now = cur[5] end
  local seq = redis.call('HINCRBY', key, 'seq', 1)
  if kind == 'started' then
    attempt = attempt + 1
    data = '{"attempt":' .. attempt .. '}'
  elseif kind == 'progress' then
    progress = tonumber(progressArg)
  elseif kind == 'succeeded' then
    progress = 100
    redis.call('HSET', key, 'result', result)
  elseif kind == 'failed' then
    redis.call('HSET', key, 'error', err)
  elseif kind == 'requeued' then
    progress = 0
    redis.call('HDEL', key, 'result', 'error')
  end
  redis.call('HSET', key, 'status', to, 'progress', progress, 'attempt', attempt, 'updatedAt', now)
  if data ~= '' then
    redis.call('XADD', p .. 'ev:' .. id, '0-' .. seq, 'k', kind, 's', to, 'p', progress, 't', now, 'd', data)
  else
    redis.call('XADD', p .. 'ev:' .. id, '0-' .. seq, 'k', kind, 's', to, 'p', progress, 't', now)
  end
  if to ~= status then
    redis.call('ZREM', p .. 'st:' .. status, id)
    redis.call('ZADD', p .. 'st:' .. to, cur[4], id)
    if TERMINAL[to] then redis.call('ZADD', p .. 'done', now, id) end
  end
  local payload = '{"jobId":"' .. id .. '","seq":' .. seq .. ',"kind":"' .. kind ..
    '","status":"' .. to .. '","progress":' .. progress .. ',"at":' .. now
  if data ~= '' then payload = payload .. ',"data":' .. data end
  payload = payload .. '}'
  redis.call('PUBLISH', p .. 'events', payload)
  return {'ok', payload, redis.call('HGETALL', key)}
end
`;

/** ARGV: prefix, id, kind, progress, data, result, error, now. */
export const UPDATE_SCRIPT = `${APPLY}
return apply(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])`;

/** ARGV: prefix, now. Starts the oldest queued job: {'none'} or apply's reply. */
export const CLAIM_SCRIPT = `${APPLY}
local ids = redis.call('ZRANGE', ARGV[1] .. 'st:queued', 0, 0)
if #ids == 0 then return {'none'} end
return apply(ARGV[1], ids[1], 'started', '0', '', '', '', ARGV[2])`;

/**
 * ARGV: prefix, id, type, input, idempotency key ('' for none), request hash, now, owner ('' for
 * none). → {'created', payload, hash} | {'existing', hash}
 */
export const CREATE_SCRIPT = `
local p, id, jobType, input, idem, hash, now, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if idem ~= '' then
  local existing = redis.call('GET', p .. 'idem:' .. idem)
  if existing then return {'existing', redis.call('HGETALL', p .. 'job:' .. existing)} end
end
local key = p .. 'job:' .. id
local n = redis.call('INCR', p .. 'n')
redis.call('HSET', key, 'n', n, 'id', id, 'type', jobType, 'status', 'queued', 'progress', 0,
  'seq', 1, 'attempt', 0, 'input', input, 'hash', hash, 'createdAt', now, 'updatedAt', now)
if idem ~= '' then
  redis.call('HSET', key, 'idem', idem)
  redis.call('SET', p .. 'idem:' .. idem, id)
end
if owner ~= '' then
  redis.call('HSET', key, 'owner', owner)
  redis.call('ZADD', p .. 'ow:' .. owner, n, id)
end
redis.call('XADD', p .. 'ev:' .. id, '0-1', 'k', 'queued', 's', 'queued', 'p', 0, 't', now)
redis.call('ZADD', p .. 'all', n, id)
redis.call('ZADD', p .. 'st:queued', n, id)
redis.call('ZADD', p .. 'ty:' .. jobType, n, id)
local payload = '{"jobId":"' .. id .. '","seq":1,"kind":"queued","status":"queued","progress":0,"at":' .. now .. '}'
redis.call('PUBLISH', p .. 'events', payload)
return {'created', payload, redis.call('HGETALL', key)}`;

/** ARGV: prefix, before (ms), limit. Deletes a batch of finished jobs; returns how many. */
export const PRUNE_SCRIPT = `
local p = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', p .. 'done', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local key = p .. 'job:' .. id
  local h = redis.call('HMGET', key, 'status', 'type', 'idem', 'owner')
  redis.call('DEL', key, p .. 'ev:' .. id)
  if h[3] then redis.call('DEL', p .. 'idem:' .. h[3]) end
  redis.call('ZREM', p .. 'all', id)
  redis.call('ZREM', p .. 'done', id)
  if h[1] then redis.call('ZREM', p .. 'st:' .. h[1], id) end
  if h[2] then redis.call('ZREM', p .. 'ty:' .. h[2], id) end
  if h[4] then redis.call('ZREM', p .. 'ow:' .. h[4], id) end
end
return #ids`;
