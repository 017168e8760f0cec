/**
 * Leases in the SQLite store (src/store/leases.ts): one row per held job in `job_leases`,
 * beside the job row. Each method runs inside the store's group commit and changes the job
 * through the store's own `apply` (state machine, job row, event row), so a worker's outcome
 * is recorded exactly like the in-process runner's.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Job, JobEvent } from '../../model/job.js';
import {
  jobCanceled,
  lapsedLeaseChange,
  leaseLost,
  type Lease,
  type LeasedJob,
  type LeasedOutcome,
} from '../leases.js';
import { newLeaseToken } from '../lease-token.js';
import type { JobChange } from '../store.js';
import type { WriteOutcome } from './group-commit.js';
import { jobFromRow, type JobRow } from './rows.js';

interface LeaseRow {
  job_n: number;
  token: string;
  worker: string;
  expires_at: number;
}

export interface LeaseContext {
  /** One change inside the current transaction (the store's #apply). */
  apply(id: string, change: JobChange): { job: Job; event: JobEvent };
  jobRow(id: string): JobRow;
  /** The next due job of one of `types` in claim order (priority, then arrival). */
  oldestQueuedOf(types: readonly string[]): { id: string } | undefined;
  /** How many jobs of `type` are running (per-type concurrency). */
  runningOf(type: string): number;
  /** The store's clock (ms): leases lapse on the same time as due times and timestamps. */
  now(): number;
}

export class SqliteLeases {
  readonly #ctx: LeaseContext;
  readonly #byJob: Statement<[number], LeaseRow>;
  readonly #insert: Statement<[LeaseRow]>;
  readonly #extend: Statement<[number, number]>;
  readonly #delete: Statement<[number]>;
  readonly #lapsed: Statement<
    [number],
    { job_n: number; id: string; status: string; attempt: number; max_attempts: number }
  >;

  constructor(db: Database, ctx: LeaseContext) {
    this.#ctx = ctx;
    this.#byJob = db.prepare('SELECT * FROM job_leases WHERE job_n = ?');
    this.#insert = db.prepare(
      `INSERT OR REPLACE INTO job_leases (job_n, token, worker, expires_at)
       VALUES (@job_n, @token, @worker, @expires_at)`,
    );
    this.#extend = db.prepare('UPDATE job_leases SET expires_at = ? WHERE job_n = ?');
    this.#delete = db.prepare('DELETE FROM job_leases WHERE job_n = ?');
    this.#lapsed = db.prepare(
      `SELECT l.job_n, j.id, j.status, j.attempt, j.max_attempts
       FROM job_leases l JOIN jobs j ON j.n = l.job_n
       WHERE l.expires_at <= ? ORDER BY l.expires_at LIMIT 100`,
    );
  }

  /**
   * Inside the caller's transaction: the next job of `types` in claim order, with a lease,
   * leaving out the types that are full.
   */
  claim(
    types: readonly string[],
    worker: string,
    leaseMs: number,
    typeLimits: Readonly<Record<string, number>> = {},
  ): WriteOutcome<LeasedJob | undefined> {
    // A type whose running jobs reached its limit is passed over, counted in this transaction.
    const open = types.filter((type) => {
      const limit = typeLimits[type];
      return limit === undefined || this.#ctx.runningOf(type) < limit;
    });
    const next = open.length === 0 ? undefined : this.#ctx.oldestQueuedOf(open);
    if (!next) return { value: undefined, events: [] };
    const { job, event } = this.#ctx.apply(next.id, { kind: 'started' });
    const lease: Lease = { token: newLeaseToken(), worker, expiresAt: this.#ctx.now() + leaseMs };
    this.#insert.run({
      job_n: this.#ctx.jobRow(job.id).n,
      token: lease.token,
      worker,
      expires_at: lease.expiresAt,
    });
    return { value: { job, lease }, events: [event] };
  }

  renew(
    id: string,
    token: string,
    leaseMs: number,
    progress: { progress: number; data?: unknown } | undefined,
  ): WriteOutcome<LeasedJob> {
    const { row, lease } = this.#held(id, token);
    const expiresAt = this.#ctx.now() + leaseMs;
    this.#extend.run(expiresAt, row.n);
    const renewed = { ...lease, expiresAt };
    if (progress === undefined) {
      return { value: { job: jobFromRow(row), lease: renewed }, events: [] };
    }
    const { job, event } = this.#ctx.apply(id, { kind: 'progress', ...progress });
    return { value: { job, lease: renewed }, events: [event] };
  }

  complete(id: string, token: string, outcome: LeasedOutcome): WriteOutcome<Job> {
    const { row } = this.#held(id, token);
    const { job, event } = this.#ctx.apply(id, outcome);
    this.#delete.run(row.n);
    return { value: job, events: [event] };
  }

  expire(requeueBelowAttempt: number): WriteOutcome<string[]> {
    const handedBack: string[] = [];
    const events: JobEvent[] = [];
    for (const lapsed of this.#lapsed.all(this.#ctx.now())) {
      this.#delete.run(lapsed.job_n);
      if (lapsed.status !== 'running') continue; // canceled while held: nothing to hand back
      const job = { attempt: lapsed.attempt, maxAttempts: lapsed.max_attempts };
      const change = lapsedLeaseChange(job, requeueBelowAttempt);
      events.push(this.#ctx.apply(lapsed.id, change).event);
      handedBack.push(lapsed.id);
    }
    return { value: handedBack, events };
  }

  /** The job and its lease when `token` holds it live; otherwise the refusal. */
  #held(id: string, token: string): { row: JobRow; lease: Lease } {
    const row = this.#ctx.jobRow(id);
    const lease = this.#byJob.get(row.n);
    if (!lease || lease.token !== token || lease.expires_at <= this.#ctx.now()) throw leaseLost(id);
    if (row.status === 'canceled') {
      throw jobCanceled(id);
    }
    if (row.status !== 'running') throw leaseLost(id);
    return { row, lease: { token, worker: lease.worker, expiresAt: lease.expires_at } };
  }
}
