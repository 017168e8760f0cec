/**
 * The key layout in Redis, under a prefix P (`bp:` by default):
 *
 *   P job:<id>          hash: the job                P ev:<id>     stream: its events, ids 0-<seq>
 *   P idem:<key>        → job id                     P n           insertion counter
 *   P epoch             the deployment's epoch (redis-safety.ts)
 *   P done              zset: finished jobs by last change (Redis time, ms): retention
 *   P kept              zset: finished jobs with a keepFor of their own, by its end (ms)
 *   P outbox            zset: jobs stored but not yet confirmed in the queue, by Redis time
 *   P parked:<type>     zset: queued jobs a BullMQ worker found their type full for, in claim
 *                       order, woken as slots free (type-slot-scripts.ts)
 *   P events, P messages  pub/sub channels          P bull:…      BullMQ's keys
 *   P gw:…              gateways' connection counts and room members (gateway-scripts.ts)
 *
 * and one sorted set of job ids by insertion number for every combination of list filters, so
 * that any `GET /jobs` page is a single index range, however many jobs there are:
 *
 *   P all   P st:<status>   P ty:<type>   P sty:<status>:<type>
 *   P ow:<owner>   P ost:<owner>:<status>   P oty:<owner>:<type>   P osty:<owner>:<status>:<type>
 *
 * Unambiguous because statuses are a closed set and owner names have no `:`. The Lua scripts
 * (scripts.ts, fixedIndexes/statusIndexes) build the same names.
 */
import type { JobStatus } from '../../model/job.js';

export interface IndexFilter {
  status?: JobStatus;
  type?: string;
  owner?: string;
}

const INDEX_NAMES: Readonly<Record<string, string>> = {
  '': 'all',
  o: 'ow',
  s: 'st',
  t: 'ty',
  os: 'ost',
  ot: 'oty',
  st: 'sty',
  ost: 'osty',
};

/** The index holding exactly the jobs that match `filter`. */
export function listIndexKey(prefix: string, { status, type, owner }: IndexFilter): string {
  const present = [
    ['o', owner],
    ['s', status],
    ['t', type],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
  const name = INDEX_NAMES[present.map(([letter]) => letter).join('')] ?? 'all';
  return [`${prefix}${name}`, ...present.map(([, value]) => value)].join(':');
}
