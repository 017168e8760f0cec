/**
 * Conversions between the job model and its Redis shapes: the job hash, the event stream
 * entries (id `0-<seq>`), and the event payload published on the events channel.
 */
import type { BackoffPolicy } from '../../model/backoff.js';
import type { EventKind, Job, JobError, JobEvent, JobStatus } from '../../model/job.js';

/** HGETALL reply as a flat [field, value, field, value, …] list (what Lua returns). */
export function hashFromList(list: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string;
  return hash;
}

const iso = (ms: string | number) => new Date(Number(ms)).toISOString();

export function jobFromHash(hash: Record<string, string>): Job {
  const job: Job = {
    id: hash.id ?? '',
    type: hash.type ?? '',
    status: hash.status as JobStatus,
    progress: Number(hash.progress),
    seq: Number(hash.seq),
    attempt: Number(hash.attempt),
    // Jobs stored before these fields existed: one attempt, priority 0.
    maxAttempts: Number(hash.maxAttempts ?? 1),
    priority: Number(hash.priority ?? 0),
    input: JSON.parse(hash.input ?? 'null') as unknown,
    createdAt: iso(hash.createdAt ?? 0),
    updatedAt: iso(hash.updatedAt ?? 0),
  };
  if (hash.result !== undefined) job.result = JSON.parse(hash.result) as unknown;
  if (hash.error !== undefined) job.error = JSON.parse(hash.error) as JobError;
  if (hash.owner !== undefined) job.owner = hash.owner;
  if (hash.backoff !== undefined) job.backoff = JSON.parse(hash.backoff) as BackoffPolicy;
  if (hash.runAt !== undefined) job.runAt = iso(hash.runAt);
  if (hash.keepFor !== undefined) job.keepFor = Number(hash.keepFor);
  return job;
}

/** The insertion number kept in the hash, used for ordering and cursors. */
export function jobNumber(hash: Record<string, string>): number {
  return Number(hash.n);
}

/** A stream entry: [id "0-<seq>", [field, value, …]]. */
export type StreamEntry = [string, string[]];

export function eventFromEntry(jobId: string, [id, fields]: StreamEntry): JobEvent {
  const f = hashFromList(fields);
  const event: JobEvent = {
    jobId,
    seq: Number(id.slice(id.indexOf('-') + 1)),
    kind: f.k as EventKind,
    status: f.s as JobStatus,
    progress: Number(f.p),
    at: iso(f.t ?? 0),
  };
  if (f.d !== undefined) event.data = eventData(JSON.parse(f.d));
  return event;
}

/** The scripts write a due time (`queued`, `retrying`) in ms; events carry it as ISO text. */
function eventData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('runAt' in data)) return data;
  const { runAt } = data;
  return typeof runAt === 'number' ? { ...data, runAt: iso(runAt) } : data;
}

interface EventPayload {
  jobId: string;
  seq: number;
  kind: EventKind;
  status: JobStatus;
  progress: number;
  at: number;
  data?: unknown;
}

/** The JSON the Lua scripts publish for each event (`at` in epoch milliseconds). */
export function eventFromPayload(payload: string): JobEvent {
  const p = JSON.parse(payload) as EventPayload;
  const event: JobEvent = {
    jobId: p.jobId,
    seq: p.seq,
    kind: p.kind,
    status: p.status,
    progress: p.progress,
    at: iso(p.at),
  };
  if (p.data !== undefined) event.data = eventData(p.data);
  return event;
}
