/**
 * Per-type concurrency for jobs a BullMQ worker is handed (src/store/type-slots.ts). The count
 * is the type's running index (P sty:running:<type>), as in the runners' claim (scripts.ts),
 * read inside the script that starts the job, so the limit holds across every worker process
 * on this Redis. `P parked:<type>` holds the queued jobs waiting for a slot, scored in claim
 * order (readyScore); apply() drops a job from it when it stops being queued (started,
 * canceled), so the list never wakes a job that is gone.
 */
import { APPLY, COMMON } from './scripts.js';

/** Pops the parked jobs of `jobType` to wake: at most `most`, and no more than free slots. */
const WAKE = `
local function wake(p, jobType, limit, most)
  local free = limit - runningOf(p, jobType)
  local reply = {'ok'}
  if free <= 0 then return reply end
  local popped = redis.call('ZPOPMIN', p .. 'parked:' .. jobType, math.min(free, most))
  for i = 1, #popped, 2 do reply[#reply + 1] = popped[i] end
  return reply
end
`;

/**
 * ARGV: prefix, epoch, id, limit → {'full'} (nothing written) | apply's reply for `started`
 * ({'ok', payload, hash} | {'missing'} | {'illegal', status}) | {'epoch'}.
 */
export const START_WITHIN_SCRIPT = `${COMMON}${APPLY}
local p, id = ARGV[1], ARGV[3]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local h = redis.call('HMGET', p .. 'job:' .. id, 'status', 'type')
if h[1] == 'queued' and runningOf(p, h[2]) >= tonumber(ARGV[4]) then
  return {'full'}
end
return apply(p, id, 'started', '0', '', '', '', '', '')`;

/**
 * ARGV: prefix, epoch, id, limit → {'ok', id to wake…} | {'epoch'}. Parks a queued job, then
 * looks again: a slot freed since the caller's start was refused would otherwise wake nobody.
 */
export const PARK_SCRIPT = `${COMMON}${WAKE}
local p, id = ARGV[1], ARGV[3]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
local h = redis.call('HMGET', p .. 'job:' .. id, 'status', 'type', 'priority', 'n')
if h[1] ~= 'queued' then return {'ok'} end
redis.call('ZADD', p .. 'parked:' .. h[2], readyScore(h[3] or 0, h[4]), id)
return wake(p, h[2], tonumber(ARGV[4]), 1)`;

/** ARGV: prefix, epoch, type, limit → {'ok', id to wake…} | {'epoch'}. One slot freed. */
export const RELEASE_SCRIPT = `${COMMON}${WAKE}
local p = ARGV[1]
if not sameEpoch(p, ARGV[2]) then return {'epoch'} end
return wake(p, ARGV[3], tonumber(ARGV[4]), 1)`;

export const TYPE_SLOT_SCRIPTS = {
  bpStartWithin: START_WITHIN_SCRIPT,
  bpPark: PARK_SCRIPT,
  bpRelease: RELEASE_SCRIPT,
};
