/**
 * What gateways share in Redis besides jobs: their connection counts and chat-room members,
 * under the store's prefix P. Every gateway writes only keys of its own, which live as long as
 * its lease; a read sums the keys of every gateway whose lease is current.
 *
 *   P gw:live              zset: gateway id → lease end (ms on Redis's clock)
 *   P gw:<id>:conn         hash: `i:<address>` / `k:<owner>` → connections held on that gateway
 *   P gw:<id>:room:<topic> hash: member id → name, for the room's members on that gateway
 *
 * A gateway renews its lease and its keys' TTL every third of the lease (redis-gateway.ts); a
 * killed one stops renewing, its keys expire with the lease and no read counts it after. The
 * scripts name keys from the prefix in Lua, as the store's scripts do (one Redis, not Cluster).
 */
import type { Redis } from 'ioredis';
import { defineScripts } from './redis-commands.js';

/** What the scripts of one gateway need: its connection, prefix, id and lease. */
export interface GatewayContext {
  readonly redis: Redis;
  readonly prefix: string;
  readonly id: string;
  readonly leaseMs: string;
}

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** The gateways whose lease is current, and always the caller (its own keys always count). */
const GATEWAYS = `
local function gateways(p, me)
  local ids = redis.call('ZRANGEBYSCORE', p .. 'gw:live', '(' .. now, '+inf')
  for _, id in ipairs(ids) do
    if id == me then return ids end
  end
  ids[#ids + 1] = me
  return ids
end
`;

/**
 * ARGV: prefix, gateway id, lease ms, then the topics of the rooms it has members in. Renews
 * the lease and the TTL of its keys, forgets gateways whose lease ended; returns 1 when its
 * lease was still current, 0 when it had lapsed (or this is its first): then its keys may be
 * gone, and the gateway writes them again.
 */
export const GATEWAY_BEAT_SCRIPT = `
${NOW}
local p, me, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local live = p .. 'gw:live'
local before = redis.call('ZSCORE', live, me)
redis.call('ZREMRANGEBYSCORE', live, '-inf', now)
redis.call('ZADD', live, now + lease, me)
redis.call('PEXPIRE', p .. 'gw:' .. me .. ':conn', lease)
for i = 4, #ARGV do
  redis.call('PEXPIRE', p .. 'gw:' .. me .. ':room:' .. ARGV[i], lease)
end
if before and tonumber(before) > now then return 1 end
return 0
`;

/** ARGV: prefix, gateway id, then room topics. Gives everything back at once (a clean stop). */
export const GATEWAY_LEAVE_SCRIPT = `
local p, me = ARGV[1], ARGV[2]
redis.call('ZREM', p .. 'gw:live', me)
redis.call('DEL', p .. 'gw:' .. me .. ':conn')
for i = 3, #ARGV do
  redis.call('DEL', p .. 'gw:' .. me .. ':room:' .. ARGV[i])
end
return 1
`;

/**
 * ARGV: prefix, gateway id, lease ms, address field, its cap, owner field ('' none), its cap.
 * Counts the field on every live gateway; under both caps, takes a slot on this gateway and
 * returns {'ok'}, else {'ip' | 'key', held} and changes nothing.
 */
export const CONN_ACQUIRE_SCRIPT = `
${NOW}
${GATEWAYS}
local p, me, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids = gateways(p, me)
local function held(field)
  local n = 0
  for _, id in ipairs(ids) do
    n = n + tonumber(redis.call('HGET', p .. 'gw:' .. id .. ':conn', field) or '0')
  end
  return n
end
local ipHeld = held(ARGV[4])
if ipHeld >= tonumber(ARGV[5]) then return {'ip', ipHeld} end
if ARGV[6] ~= '' then
  local keyHeld = held(ARGV[6])
  if keyHeld >= tonumber(ARGV[7]) then return {'key', keyHeld} end
end
local own = p .. 'gw:' .. me .. ':conn'
redis.call('HINCRBY', own, ARGV[4], 1)
if ARGV[6] ~= '' then redis.call('HINCRBY', own, ARGV[6], 1) end
redis.call('PEXPIRE', own, lease)
return {'ok'}
`;

/**
 * ARGV: prefix, gateway id, lease ms, delta, then fields. Adds `delta` to each of this
 * gateway's fields (a release: -1), dropping those that reach 0.
 */
export const CONN_ADD_SCRIPT = `
local p, me, lease, delta = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local own = p .. 'gw:' .. me .. ':conn'
for i = 5, #ARGV do
  if redis.call('HINCRBY', own, ARGV[i], delta) <= 0 then redis.call('HDEL', own, ARGV[i]) end
end
redis.call('PEXPIRE', own, lease)
return 1
`;

/** ARGV: prefix, gateway id, lease ms, then field, count pairs: this gateway's whole count. */
export const CONN_REWRITE_SCRIPT = `
local p, me, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local own = p .. 'gw:' .. me .. ':conn'
redis.call('DEL', own)
for i = 4, #ARGV, 2 do redis.call('HSET', own, ARGV[i], ARGV[i + 1]) end
if #ARGV >= 4 then redis.call('PEXPIRE', own, lease) end
return 1
`;

/** The room's members on every live gateway. */
const ROOM_COUNT = `
local function members(p, me, topic)
  local n = 0
  for _, id in ipairs(gateways(p, me)) do
    n = n + redis.call('HLEN', p .. 'gw:' .. id .. ':room:' .. topic)
  end
  return n
end
`;

/** ARGV: prefix, gateway id, lease ms, topic, member id, name. Returns the room's count. */
export const ROOM_JOIN_SCRIPT = `
${NOW}
${GATEWAYS}
${ROOM_COUNT}
local p, me, lease, topic = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local own = p .. 'gw:' .. me .. ':room:' .. topic
redis.call('HSET', own, ARGV[5], ARGV[6])
redis.call('PEXPIRE', own, lease)
return members(p, me, topic)
`;

/** ARGV: prefix, gateway id, topic, member id. Returns the room's count after. */
export const ROOM_LEAVE_SCRIPT = `
${NOW}
${GATEWAYS}
${ROOM_COUNT}
local p, me, topic = ARGV[1], ARGV[2], ARGV[3]
redis.call('HDEL', p .. 'gw:' .. me .. ':room:' .. topic, ARGV[4])
return members(p, me, topic)
`;

/** ARGV: prefix, gateway id, lease ms, topic, then member id, name pairs: the room's members here. */
export const ROOM_REWRITE_SCRIPT = `
local p, me, lease, topic = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local own = p .. 'gw:' .. me .. ':room:' .. topic
redis.call('DEL', own)
for i = 5, #ARGV, 2 do redis.call('HSET', own, ARGV[i], ARGV[i + 1]) end
if #ARGV >= 5 then redis.call('PEXPIRE', own, lease) end
return 1
`;

declare module 'ioredis' {
  interface RedisCommander {
    bpGatewayBeat(...args: string[]): Promise<number>;
    bpGatewayLeave(...args: string[]): Promise<number>;
    bpConnAcquire(...args: string[]): Promise<[string, number?]>;
    bpConnAdd(...args: string[]): Promise<number>;
    bpConnRewrite(...args: string[]): Promise<number>;
    bpRoomJoin(...args: string[]): Promise<number>;
    bpRoomLeave(...args: string[]): Promise<number>;
    bpRoomRewrite(...args: string[]): Promise<number>;
  }
}

const SCRIPTS = {
  bpGatewayBeat: GATEWAY_BEAT_SCRIPT,
  bpGatewayLeave: GATEWAY_LEAVE_SCRIPT,
  bpConnAcquire: CONN_ACQUIRE_SCRIPT,
  bpConnAdd: CONN_ADD_SCRIPT,
  bpConnRewrite: CONN_REWRITE_SCRIPT,
  bpRoomJoin: ROOM_JOIN_SCRIPT,
  bpRoomLeave: ROOM_LEAVE_SCRIPT,
  bpRoomRewrite: ROOM_REWRITE_SCRIPT,
};

export function defineGatewayScripts(redis: Redis): void {
  defineScripts(redis, SCRIPTS);
}
