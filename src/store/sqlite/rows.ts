/** Conversions between SQLite rows and the job model. */
import type { BackoffPolicy } from '../../model/backoff.js';
import type { EventKind, Job, JobError, JobEvent, JobStatus } from '../../model/job.js';

export interface JobRow {
  n: number;
  id: string;
  type: string;
  status: JobStatus;
  progress: number;
  seq: number;
  attempt: number;
  input: string;
  result: string | null;
  error: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  owner: string | null;
  max_attempts: number;
  backoff: string | null;
  priority: number;
  run_at: number | null;
  keep_for: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  job_n: number;
  seq: number;
  kind: EventKind;
  status: JobStatus;
  progress: number;
  data: string | null;
  at: number;
}

export function jobFromRow(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    type: row.type,
    status: row.status,
    progress: row.progress,
    seq: row.seq,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    priority: row.priority,
    input: JSON.parse(row.input) as unknown,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
  if (row.result !== null) job.result = JSON.parse(row.result) as unknown;
  if (row.error !== null) job.error = JSON.parse(row.error) as JobError;
  if (row.owner !== null) job.owner = row.owner;
  if (row.backoff !== null) job.backoff = JSON.parse(row.backoff) as BackoffPolicy;
  if (row.run_at !== null) job.runAt = new Date(row.run_at).toISOString();
  if (row.keep_for !== null) job.keepFor = row.keep_for;
  return job;
}

export function eventFromRow(row: EventRow, jobId: string): JobEvent {
  const event: JobEvent = {
    jobId,
    seq: row.seq,
    kind: row.kind,
    status: row.status,
    progress: row.progress,
    at: new Date(row.at).toISOString(),
  };
  if (row.data !== null) event.data = JSON.parse(row.data) as unknown;
  return event;
}

/** JSON text for a nullable column; `undefined` becomes SQL NULL. */
export function toJsonColumn(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
