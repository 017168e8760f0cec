/**
 * The Redis webhook outbox's hook into the change scripts (scripts.ts): the Lua functions that
 * run INSIDE the script writing a change, so a delivery is recorded atomically with the event
 * it reports — the same transactional outbox as SQLite's (../webhook-outbox.ts). Kept apart
 * from the delivery queue's own scripts (webhook-scripts.ts) so scripts.ts can include it
 * without an import cycle. Keys (prefix P):
 *
 *   P wht:<job>   hash url → events mode ('terminal' | 'all'): the job's webhook targets
 *   P wd:<id>     hash: one delivery (job, seq, kind, url, ev = the event's JSON, state,
 *                 att = attempts made, next, ws = window start, at, n, lt/lu = lease,
 *                 ep = the registered endpoint it goes to, '' for a submit's own webhook)
 *   P wda:<id>    list: its attempts, JSON, oldest first
 *   P wdj:<job>   zset: the job's deliveries by creation number
 *   P wdp:<job>   zset: the job's pending deliveries by creation number (per-URL order)
 *   P wdue        zset: pending deliveries by when they may next be claimed
 *   P wdc         hash state → count          P wdn   creation counter
 *   P webhooks    pub/sub channel: "deliveries were recorded", to wake delivery loops
 */
import { TERMINAL_STATUSES } from '../../model/job.js';
import { WEBHOOK_ENDPOINT_SET_LUA } from './webhook-endpoint-scripts.js';

const TERMINAL = TERMINAL_STATUSES.map((s) => `${s} = true`).join(', ');

/**
 * addWebhookTargets(p, id, json): the create script's targets ('' for none: a JSON array of
 * { url, events }). recordWebhooks(p, id, seq, kind, to, now, payload): one pending delivery
 * per target, and per endpoint of the job's owner, that asked for this event. pruneWebhooks(p, id): everything of a pruned job.
 */
export const WEBHOOK_OUTBOX_LUA = `
local WEBHOOK_TERMINAL = { ${TERMINAL} }
${WEBHOOK_ENDPOINT_SET_LUA}
local function addWebhookTargets(p, id, json)
  if json == nil or json == '' then return end
  for _, t in ipairs(cjson.decode(json)) do
    redis.call('HSET', p .. 'wht:' .. id, t.url, t.events)
  end
end
local function addWebhookDelivery(p, id, seq, kind, now, payload, url, endpoint)
  local n = redis.call('INCR', p .. 'wdn')
  -- Unique across deployments (the epoch is a random UUID), the same on every attempt.
  local did = 'msg_' .. redis.call('GET', p .. 'epoch') .. '_' .. n
  redis.call('HSET', p .. 'wd:' .. did, 'id', did, 'job', id, 'seq', seq, 'kind', kind,
    'url', url, 'ev', payload, 'state', 'pending', 'att', 0, 'next', now, 'ws', now,
    'at', now, 'n', n, 'lt', '', 'lu', 0, 'ep', endpoint)
  redis.call('ZADD', p .. 'wdj:' .. id, n, did)
  redis.call('ZADD', p .. 'wdp:' .. id, n, did)
  redis.call('ZADD', p .. 'wdue', now, did)
  redis.call('HINCRBY', p .. 'wdc', 'pending', 1)
end
local function recordWebhooks(p, id, seq, kind, to, now, payload)
  local recorded = false
  local targets = redis.call('HGETALL', p .. 'wht:' .. id)
  for i = 1, #targets, 2 do
    if targets[i + 1] == 'all' or WEBHOOK_TERMINAL[to] then
      addWebhookDelivery(p, id, seq, kind, now, payload, targets[i], '')
      recorded = true
    end
  end
  -- Every endpoint the job's owner has registered now (webhook-endpoint-scripts.ts).
  local owner = redis.call('HGET', p .. 'job:' .. id, 'owner')
  for _, eid in ipairs(redis.call('ZRANGE', webhookEndpointSet(p, owner), 0, -1)) do
    local e = redis.call('HMGET', p .. 'whe:' .. eid, 'url', 'events')
    if e[1] and (e[2] == 'all' or WEBHOOK_TERMINAL[to]) then
      addWebhookDelivery(p, id, seq, kind, now, payload, e[1], eid)
      recorded = true
    end
  end
  if recorded then redis.call('PUBLISH', p .. 'webhooks', '1') end
end
local function pruneWebhooks(p, id)
  for _, did in ipairs(redis.call('ZRANGE', p .. 'wdj:' .. id, 0, -1)) do
    local state = redis.call('HGET', p .. 'wd:' .. did, 'state')
    if state then redis.call('HINCRBY', p .. 'wdc', state, -1) end
    redis.call('ZREM', p .. 'wdue', did)
    redis.call('DEL', p .. 'wd:' .. did, p .. 'wda:' .. did)
  end
  redis.call('DEL', p .. 'wdj:' .. id, p .. 'wdp:' .. id, p .. 'wht:' .. id)
end
`;
