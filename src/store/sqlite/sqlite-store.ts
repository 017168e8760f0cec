/**
 * The embedded default store: one SQLite file in WAL mode through better-sqlite3.
 *
 * better-sqlite3 is synchronous, so every call runs on the event loop; the methods are async
 * to match the Store interface that a networked store needs. Reads run at once. Writes go
 * through a group commit (group-commit.ts): those requested in one loop turn share one
 * transaction, each in its own savepoint, and resolve only after the commit. Because the
 * calls are synchronous, read-check-write sequences (idempotency keys, transitions) cannot
 * interleave within the process; `BEGIN IMMEDIATE` keeps them safe against another process
 * opening the same file too.
 *
 * Durability (see docs/architecture.md): with WAL, a committed transaction survives a
 * process crash (SIGKILL) at either level; `full` also fsyncs every commit so it survives
 * power loss, at a higher cost per write.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../model/errors/app-error.js';
import { newJobId } from '../job-id.js';
import { JOB_STATUSES, type Job, type JobEvent, type JobStatus } from '../../model/job.js';
import { transition } from '../../model/state-machine.js';
import { changeEffect } from '../change-effect.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { LocalBus } from '../local-bus.js';
import { requestHash } from '../request-hash.js';
import type {
  CreateResult,
  EventListener,
  EventPage,
  JobChange,
  MessageListener,
  NewJob,
  Store,
  Unsubscribe,
} from '../store.js';
import type { MessageTopic, Topic } from '../../model/topic.js';
import type { JobPage, ListQuery } from '../../model/job-page.js';
import { eventFromRow, jobFromRow, toJsonColumn, type JobRow } from './rows.js';
import { SnapshotCache } from './snapshot-cache.js';
import { eventParams, prepareStatements, type Statements } from './statements.js';
import { GroupCommit, type WriteOutcome } from './group-commit.js';
import { migrate } from './schema.js';
import { SqliteLeases } from './leases.js';
import type { LeasedJob, LeasedOutcome } from '../leases.js';

export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a store that lives as long as the process. */
  path: string;
  synchronous?: SqliteSynchronous;
  /** Called when a bus listener throws; the event still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
}

const PRUNE_BATCH = 500;

export class SqliteStore implements Store {
  readonly #db: Database;
  readonly #bus: LocalBus;
  readonly #stmt: Statements;
  readonly #listStatements = new Map<string, Statement<unknown[], JobRow>>();
  readonly #writes: GroupCommit;
  readonly #snapshots = new SnapshotCache();
  readonly #leases: SqliteLeases;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new BetterSqlite3(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#stmt = prepareStatements(this.#db);
    this.#bus = new LocalBus(options.onListenerError ?? (() => undefined));
    this.#writes = new GroupCommit(this.#db, (event) => {
      this.#bus.publish(event);
    });
    this.#leases = new SqliteLeases(this.#db, {
      apply: (id, change) => this.#apply(id, change),
      jobRow: (id) => this.#jobRow(id),
      oldestQueuedOf: (types) => this.#stmt.oldestQueuedOfTypes.get(JSON.stringify(types)),
    });
  }

  create(request: NewJob): Promise<CreateResult> {
    const hash = requestHash(request.type, request.input);
    return this.#write((): WriteOutcome<CreateResult> => {
      if (request.idempotencyKey !== undefined) {
        const existing = this.#stmt.jobByKey.get(request.idempotencyKey);
        if (existing) {
          const outcome = existing.request_hash === hash ? 'replayed' : 'conflict';
          return { value: { outcome, job: jobFromRow(existing) }, events: [] };
        }
      }
      const now = Date.now();
      const row: JobRow = {
        n: 0,
        id: newJobId(),
        type: request.type,
        status: 'queued',
        progress: 0,
        seq: 1,
        attempt: 0,
        input: JSON.stringify(request.input ?? null),
        result: null,
        error: null,
        idempotency_key: request.idempotencyKey ?? null,
        request_hash: hash,
        owner: request.owner ?? null,
        created_at: now,
        updated_at: now,
      };
      row.n = Number(this.#stmt.insertJob.run(row).lastInsertRowid);
      const eventRow = eventParams(row.n, 1, 'queued', 'queued', 0, undefined, now);
      this.#stmt.insertEvent.run(eventRow);
      return {
        value: { outcome: 'created', job: jobFromRow(row) },
        events: [eventFromRow(eventRow, row.id)],
      };
    });
  }

  get(id: string): Promise<Job | undefined> {
    return this.#run(() => {
      const cached = this.#snapshots.get(id);
      if (cached) return cached;
      const row = this.#stmt.jobById.get(id);
      return row ? this.#snapshots.remember(jobFromRow(row)) : undefined;
    });
  }

  list(query: ListQuery): Promise<JobPage> {
    return this.#run(() => {
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = this.#listStatement(query, before !== undefined).all({
        status: query.status ?? null,
        owner: query.owner ?? null,
        type: query.type ?? null,
        before: before ?? null,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor(last.n) : null;
      return { jobs: page.map(jobFromRow), nextCursor };
    });
  }

  update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    return this.#write(() => {
      const applied = this.#apply(id, change);
      return { value: applied, events: [applied.event] };
    });
  }

  claimNext(exceptTypes?: readonly string[]): Promise<Job | undefined> {
    return this.#write((): WriteOutcome<Job | undefined> => {
      const next =
        exceptTypes === undefined
          ? this.#stmt.oldestQueued.get()
          : this.#stmt.oldestQueuedExcept.get(JSON.stringify(exceptTypes));
      if (!next) return { value: undefined, events: [] };
      const applied = this.#apply(next.id, { kind: 'started' });
      return { value: applied.job, events: [applied.event] };
    });
  }

  claimLeased(
    types: readonly string[],
    worker: string,
    leaseMs: number,
  ): Promise<LeasedJob | undefined> {
    return this.#write(() => this.#leases.claim(types, worker, leaseMs));
  }

  renewLease(
    id: string,
    token: string,
    leaseMs: number,
    progress?: { progress: number; data?: unknown },
  ): Promise<LeasedJob> {
    return this.#write(() => this.#leases.renew(id, token, leaseMs, progress));
  }

  completeLeased(id: string, token: string, outcome: LeasedOutcome): Promise<Job> {
    return this.#write(() => this.#leases.complete(id, token, outcome));
  }

  expireLeases(requeueBelowAttempt: number): Promise<string[]> {
    return this.#write(() => this.#leases.expire(requeueBelowAttempt));
  }

  events(id: string, afterSeq: number, limit = 1000): Promise<EventPage | undefined> {
    return this.#run(() => {
      const job = this.#stmt.jobById.get(id);
      if (!job) return undefined;
      const first = this.#stmt.firstSeq.get(job.n);
      const rows = this.#stmt.eventsAfter.all(job.n, afterSeq, limit);
      return { events: rows.map((row) => eventFromRow(row, id)), firstSeq: first?.seq ?? 1 };
    });
  }

  prune(before: Date): Promise<number> {
    return this.#run(() => {
      let total = 0;
      // Small batches, each its own transaction, so a large prune never holds the loop long.
      for (;;) {
        const deleted = this.#stmt.pruneBatch.run(before.getTime(), PRUNE_BATCH).changes;
        if (deleted > 0) this.#snapshots.clear();
        total += deleted;
        if (deleted < PRUNE_BATCH) return total;
      }
    });
  }

  countByStatus(): Promise<Record<JobStatus, number>> {
    return this.#run(() => {
      const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<
        JobStatus,
        number
      >;
      for (const row of this.#stmt.countByStatus.all()) counts[row.status] = row.count;
      return counts;
    });
  }

  ping(): Promise<void> {
    return this.#run(() => {
      this.#stmt.ping.get();
    });
  }

  probeWrite(): Promise<void> {
    // Taking the write lock fails on a read-only or locked file; nothing is written. Without
    // waiting: a probe must not hold the event loop for the busy timeout.
    return this.#run(() => {
      if (this.#db.inTransaction) return;
      const busyTimeout = Number(this.#db.pragma('busy_timeout', { simple: true }));
      this.#db.pragma('busy_timeout = 0');
      try {
        this.#db.exec('BEGIN IMMEDIATE');
        this.#db.exec('ROLLBACK');
      } finally {
        this.#db.pragma(`busy_timeout = ${busyTimeout}`);
      }
    });
  }

  subscribe(topic: Topic, listener: EventListener): Unsubscribe {
    return this.#bus.subscribe(topic, listener);
  }

  publishMessage(topic: MessageTopic, data: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return this.#bus.publishMessage(topic, data);
  }

  subscribeMessages(topic: MessageTopic, listener: MessageListener): Unsubscribe {
    return this.#bus.subscribeMessages(topic, listener);
  }

  /** Live bus subscriptions, for metrics and leak checks in tests. */
  get subscriptionCount(): number {
    return this.#bus.size;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#writes.flush(); // writes already accepted are committed, not dropped
      this.#db.close();
    }
    return Promise.resolve();
  }

  #write<T>(apply: () => WriteOutcome<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return this.#writes.write(() => {
      const outcome = apply();
      // Every change to a job row has an event. Forget those jobs as the change is applied,
      // inside the batch: by the time any event is published (after the commit), no snapshot
      // of a job the batch changed is left, whatever a listener reads.
      for (const event of outcome.events) this.#snapshots.forget(event.jobId);
      return outcome;
    });
  }

  /** Runs a synchronous database call as a promise, so its errors become rejections. */
  #run<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #jobRow(id: string): JobRow {
    const row = this.#stmt.jobById.get(id);
    if (!row) throw new AppError('job_not_found', `no job has id ${id}`);
    return row;
  }

  /** One change inside the caller's transaction: state machine, job row, event row. */
  #apply(id: string, change: JobChange): { job: Job; event: JobEvent } {
    const row = this.#jobRow(id);
    const status = transition(row.status, change.kind);
    const seq = row.seq + 1;
    const now = Math.max(Date.now(), row.updated_at);
    const effect = changeEffect(change);
    const attempt = change.kind === 'started' ? row.attempt + 1 : row.attempt;
    const progress = effect.progress ?? row.progress;
    const data = change.kind === 'started' ? { attempt } : effect.data;
    const result = 'result' in effect ? toJsonColumn(effect.result) : null;
    const error = effect.error ? JSON.stringify(effect.error) : null;
    this.#stmt.updateJob.run({ id, status, progress, seq, attempt, result, error, now });
    const eventRow = eventParams(row.n, seq, change.kind, status, progress, data, now);
    this.#stmt.insertEvent.run(eventRow);
    const updated: JobRow = {
      ...row,
      status,
      progress,
      seq,
      attempt,
      result,
      error,
      updated_at: now,
    };
    return { job: jobFromRow(updated), event: eventFromRow(eventRow, id) };
  }

  #listStatement(query: ListQuery, hasCursor: boolean): Statement<unknown[], JobRow> {
    const key = [query.status && 's', query.type && 't', query.owner && 'o', hasCursor && 'c']
      .filter(Boolean)
      .join('');
    let statement = this.#listStatements.get(key);
    if (!statement) {
      const where = [
        query.status ? 'status = @status' : '',
        query.type ? 'type = @type' : '',
        query.owner ? 'owner = @owner' : '',
        hasCursor ? 'n < @before' : '',
      ].filter(Boolean);
      statement = this.#db.prepare<unknown[], JobRow>(
        `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY n DESC LIMIT @limit`,
      );
      this.#listStatements.set(key, statement);
    }
    return statement;
  }
}
