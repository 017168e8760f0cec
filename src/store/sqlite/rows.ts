/** Conversions between SQLite rows and the job model. */
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
    input: JSON.parse(row.input) as unknown,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
  if (row.result !== null) job.result = JSON.parse(row.result) as unknown;
  if (row.error !== null) job.error = JSON.parse(row.error) as JobError;
  if (row.owner !== null) job.owner = row.owner;
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
