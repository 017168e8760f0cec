/**
 * The SQLite store's prepared statements (prepared once per connection: preparing is the
 * expensive part of a query) and the row an event is inserted as.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { EventKind, JobStatus } from '../../model/job.js';
import { OLDEST_QUEUED_OF_TYPES_SQL } from './claim-by-type.js';
import { PRUNE_BY_AGE_SQL, PRUNE_KEPT_SQL } from './keep-for.js';
import { toJsonColumn, type EventRow, type JobRow } from './rows.js';

export interface Statements {
  ping: Statement;
  jobById: Statement<[string], JobRow>;
  jobByKey: Statement<[string], JobRow>;
  /** Parameter: a type. Its running jobs (per-type concurrency). */
  runningOfType: Statement<[string], { count: number }>;
  nextDue: Statement<[number], { at: number | null }>;
  /** Named parameters: types (a JSON array of type names), now. Their first due job. */
  oldestQueuedOfTypes: Statement<[{ types: string; now: number }], { id: string }>;
  /** Named parameters: a JobRow without `n`. */
  insertJob: Statement;
  /** Named parameters: id, status, progress, seq, attempt, result, error, run_at, now. */
  updateJob: Statement;
  /** Named parameters: an EventRow. */
  insertEvent: Statement;
  eventsAfter: Statement<[number, number, number], EventRow>;
  firstSeq: Statement<[number], { seq: number }>;
  countByStatus: Statement<[], { status: JobStatus; count: number }>;
  /** Parameters: before (ms), limit: jobs without a keepFor of their own (keep-for.ts). */
  pruneBatch: Statement<[number, number]>;
  /** Parameters: now (ms), limit: jobs whose own keepFor has passed (keep-for.ts). */
  pruneKeptBatch: Statement<[number, number]>;
}

export function eventParams(
  jobN: number,
  seq: number,
  kind: EventKind,
  status: JobStatus,
  progress: number,
  data: unknown,
  at: number,
): EventRow {
  return { job_n: jobN, seq, kind, status, progress, data: toJsonColumn(data), at };
}

export function prepareStatements(db: Database): Statements {
  return {
    ping: db.prepare('SELECT 1'),
    jobById: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    jobByKey: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE idempotency_key = ?'),
    runningOfType: db.prepare<[string], { count: number }>(
      `SELECT COUNT(*) AS count FROM jobs WHERE type = ? AND status = 'running'`,
    ),
    // INDEXED BY: left to itself the planner picks jobs_by_status and reads every queued job,
    // on every claim; jobs_due holds only the delayed ones, and MIN is its first entry.
    nextDue: db.prepare<[number], { at: number | null }>(
      `SELECT MIN(run_at) AS at FROM jobs INDEXED BY jobs_due
       WHERE status = 'queued' AND run_at > ?`,
    ),
    oldestQueuedOfTypes: db.prepare<[{ types: string; now: number }], { id: string }>(
      OLDEST_QUEUED_OF_TYPES_SQL,
    ),
    insertJob: db.prepare(
      `INSERT INTO jobs (id, type, status, progress, seq, attempt, input, idempotency_key,
                         request_hash, owner, max_attempts, backoff, priority, run_at,
                         keep_for, created_at, updated_at)
       VALUES (@id, @type, @status, @progress, @seq, @attempt, @input, @idempotency_key,
               @request_hash, @owner, @max_attempts, @backoff, @priority, @run_at,
               @keep_for, @created_at, @updated_at)`,
    ),
    updateJob: db.prepare(
      `UPDATE jobs SET status = @status, progress = @progress, seq = @seq, attempt = @attempt,
              result = @result, error = @error, run_at = @run_at, updated_at = @now
       WHERE id = @id`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO job_events (job_n, seq, kind, status, progress, data, at)
       VALUES (@job_n, @seq, @kind, @status, @progress, @data, @at)`,
    ),
    eventsAfter: db.prepare<[number, number, number], EventRow>(
      'SELECT * FROM job_events WHERE job_n = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    firstSeq: db.prepare<[number], { seq: number }>(
      'SELECT seq FROM job_events WHERE job_n = ? ORDER BY seq LIMIT 1',
    ),
    // Kept by triggers (schema.ts, migration 6): five rows, however many jobs.
    countByStatus: db.prepare<[], { status: JobStatus; count: number }>(
      'SELECT status, count FROM job_counts',
    ),
    pruneBatch: db.prepare<[number, number]>(PRUNE_BY_AGE_SQL),
    pruneKeptBatch: db.prepare<[number, number]>(PRUNE_KEPT_SQL),
  };
}
