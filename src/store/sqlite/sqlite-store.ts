/**
 * The embedded default store: one SQLite file in WAL mode through better-sqlite3.
 *
 * better-sqlite3 is synchronous. Each call here is one short transaction (tens of
 * microseconds with `synchronous = NORMAL`), so it runs on the event loop; the methods are
 * async only to match the Store interface that a networked store needs. Because the calls
 * are synchronous and Node runs one at a time, read-check-write sequences (idempotency keys,
 * transitions) cannot interleave within the process; `BEGIN IMMEDIATE` makes them safe
 * against another process opening the same file too.
 *
 * Durability (see docs/architecture.md): with WAL, a committed transaction survives a
 * process crash (SIGKILL) at either level; `full` also fsyncs every commit so it survives
 * power loss, at a higher cost per write.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../errors/app-error.js';
import {
  JOB_STATUSES,
  TERMINAL_STATUSES,
  newJobId,
  type EventKind,
  type Job,
  type JobEvent,
  type JobStatus,
} from '../../jobs/job.js';
import { transition } from '../../jobs/state-machine.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { LocalBus } from '../local-bus.js';
import { requestHash } from '../request-hash.js';
import type {
  CreateResult,
  EventListener,
  EventPage,
  JobChange,
  JobPage,
  ListQuery,
  MessageListener,
  MessageTopic,
  NewJob,
  Store,
  Topic,
  Unsubscribe,
} from '../store.js';
import { eventFromRow, jobFromRow, toJsonColumn, type EventRow, type JobRow } from './rows.js';
import { migrate } from './schema.js';

export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a store that lives as long as the process. */
  path: string;
  synchronous?: SqliteSynchronous;
  /** Called when a bus listener throws; the event still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
}

const PRUNE_BATCH = 500;

type Change = JobChange | { kind: 'started' };

export class SqliteStore implements Store {
  readonly #db: Database;
  readonly #bus: LocalBus;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  readonly #listStatements = new Map<string, Statement<unknown[], JobRow>>();
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
  }

  create(request: NewJob): Promise<CreateResult> {
    return this.#run(() => {
      const hash = requestHash(request.type, request.input);
      const outcome = this.#db
        .transaction((): { result: CreateResult; event?: JobEvent } => {
          if (request.idempotencyKey !== undefined) {
            const existing = this.#stmt.jobByKey.get(request.idempotencyKey);
            if (existing) {
              const kind = existing.request_hash === hash ? 'replayed' : 'conflict';
              return { result: { outcome: kind, job: jobFromRow(existing) } };
            }
          }
          const now = Date.now();
          const id = newJobId();
          this.#stmt.insertJob.run({
            id,
            type: request.type,
            input: JSON.stringify(request.input ?? null),
            idempotency_key: request.idempotencyKey ?? null,
            request_hash: hash,
            now,
          });
          const eventRow = eventParams(id, 1, 'queued', 'queued', 0, undefined, now);
          this.#stmt.insertEvent.run(eventRow);
          const job = jobFromRow(this.#jobRow(id));
          return { result: { outcome: 'created', job }, event: eventFromRow(eventRow) };
        })
        .immediate();
      if (outcome.event) this.#bus.publish(outcome.event);
      return outcome.result;
    });
  }

  get(id: string): Promise<Job | undefined> {
    return this.#run(() => {
      const row = this.#stmt.jobById.get(id);
      return row ? jobFromRow(row) : undefined;
    });
  }

  list(query: ListQuery): Promise<JobPage> {
    return this.#run(() => {
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = this.#listStatement(query, before !== undefined).all({
        status: query.status ?? null,
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
    return this.#run(() => {
      const applied = this.#db.transaction(() => this.#apply(id, change)).immediate();
      this.#bus.publish(applied.event);
      return applied;
    });
  }

  claimNext(): Promise<Job | undefined> {
    return this.#run(() => {
      const applied = this.#db
        .transaction(() => {
          const next = this.#stmt.oldestQueued.get();
          return next ? this.#apply(next.id, { kind: 'started' }) : undefined;
        })
        .immediate();
      if (!applied) return undefined;
      this.#bus.publish(applied.event);
      return applied.job;
    });
  }

  events(id: string, afterSeq: number, limit = 1000): Promise<EventPage | undefined> {
    return this.#run(() => {
      if (!this.#stmt.jobById.get(id)) return undefined;
      const first = this.#stmt.firstSeq.get(id);
      const rows = this.#stmt.eventsAfter.all(id, afterSeq, limit);
      return { events: rows.map(eventFromRow), firstSeq: first?.seq ?? 1 };
    });
  }

  prune(before: Date): Promise<number> {
    return this.#run(() => {
      let total = 0;
      // Small batches, each its own transaction, so a large prune never holds the loop long.
      for (;;) {
        const deleted = this.#stmt.pruneBatch.run(before.getTime(), PRUNE_BATCH).changes;
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
      this.#db.close();
    }
    return Promise.resolve();
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
  #apply(id: string, change: Change): { job: Job; event: JobEvent } {
    const row = this.#jobRow(id);
    const status = transition(row.status, change.kind);
    const seq = row.seq + 1;
    const now = Math.max(Date.now(), row.updated_at);
    let { progress, attempt } = row;
    let result: string | null = null;
    let error: string | null = null;
    let data: unknown;
    switch (change.kind) {
      case 'started':
        attempt += 1;
        data = { attempt };
        break;
      case 'progress':
        progress = Math.min(100, Math.max(0, Math.round(change.progress)));
        data = change.data;
        break;
      case 'succeeded':
        progress = 100;
        result = toJsonColumn(change.result ?? null);
        data = { result: change.result ?? null };
        break;
      case 'failed':
        error = JSON.stringify(change.error);
        data = { error: change.error };
        break;
      case 'canceled':
        data = change.reason === undefined ? undefined : { reason: change.reason };
        break;
      case 'requeued':
        progress = 0;
        data = { reason: change.reason };
        break;
    }
    this.#stmt.updateJob.run({ id, status, progress, seq, attempt, result, error, now });
    const eventRow = eventParams(id, seq, change.kind, status, progress, data, now);
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
    return { job: jobFromRow(updated), event: eventFromRow(eventRow) };
  }

  #listStatement(query: ListQuery, hasCursor: boolean): Statement<unknown[], JobRow> {
    const key = `${query.status ? 's' : ''}${query.type ? 't' : ''}${hasCursor ? 'c' : ''}`;
    let statement = this.#listStatements.get(key);
    if (!statement) {
      const where = [
        query.status ? 'status = @status' : '',
        query.type ? 'type = @type' : '',
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

function eventParams(
  jobId: string,
  seq: number,
  kind: EventKind,
  status: JobStatus,
  progress: number,
  data: unknown,
  at: number,
): EventRow {
  return { job_id: jobId, seq, kind, status, progress, data: toJsonColumn(data), at };
}

function prepareStatements(db: Database) {
  const terminal = TERMINAL_STATUSES.map((s) => `'${s}'`).join(',');
  return {
    ping: db.prepare('SELECT 1'),
    jobById: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    jobByKey: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE idempotency_key = ?'),
    oldestQueued: db.prepare<[], { id: string }>(
      `SELECT id FROM jobs WHERE status = 'queued' ORDER BY n LIMIT 1`,
    ),
    insertJob: db.prepare(
      `INSERT INTO jobs (id, type, status, progress, seq, attempt, input, idempotency_key,
                         request_hash, created_at, updated_at)
       VALUES (@id, @type, 'queued', 0, 1, 0, @input, @idempotency_key, @request_hash, @now, @now)`,
    ),
    updateJob: db.prepare(
      `UPDATE jobs SET status = @status, progress = @progress, seq = @seq, attempt = @attempt,
              result = @result, error = @error, updated_at = @now
       WHERE id = @id`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO job_events (job_id, seq, kind, status, progress, data, at)
       VALUES (@job_id, @seq, @kind, @status, @progress, @data, @at)`,
    ),
    eventsAfter: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    firstSeq: db.prepare<[string], { seq: number }>(
      'SELECT seq FROM job_events WHERE job_id = ? ORDER BY seq LIMIT 1',
    ),
    countByStatus: db.prepare<[], { status: JobStatus; count: number }>(
      'SELECT status, COUNT(*) AS count FROM jobs GROUP BY status',
    ),
    pruneBatch: db.prepare<[number, number]>(
      `DELETE FROM jobs WHERE n IN (
         SELECT n FROM jobs WHERE status IN (${terminal}) AND updated_at < ? LIMIT ?)`,
    ),
  };
}
