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
import { retryDelay, type RetryState } from '../retry-decision.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { DeferredDelivery } from '../deferred-delivery.js';
import { LocalBus } from '../local-bus.js';
import { compactThrough } from '../log-compaction.js';
import { requestHash } from '../request-hash.js';
import type {
  ClaimResult,
  CreateResult,
  EventListener,
  EventPage,
  JobChange,
  MessageListener,
  NewJob,
  Store,
  Unsubscribe,
  WriteFailure,
} from '../store.js';
import type { MessageTopic, Topic } from '../../model/topic.js';
import type { JobPage, ListQuery } from '../../model/job-page.js';
import { eventFromRow, jobFromRow, toJsonColumn, type JobRow } from './rows.js';
import { SnapshotCache } from './snapshot-cache.js';
import { eventParams, prepareStatements, type Statements } from './statements.js';
import { ClaimWindow } from './claim-window.js';
import { checkDatabaseFile } from './file-check.js';
import { GroupCommit, type WriteOutcome } from './group-commit.js';
import { listSql, type ListShape } from './list-sql.js';
import { ProcessLock } from './process-lock.js';
import { migrate } from './schema.js';
import { SqliteLeases } from './leases.js';
import { SqliteSchedules } from './schedules.js';
import type { LeasedJob, LeasedOutcome } from '../leases.js';
import type { LimitedStart, TypeSlots } from '../type-slots.js';
import { SqliteWebhookEndpoints } from './webhook-endpoints.js';
import { SqliteWebhookOutbox } from './webhook-outbox.js';
import { asStorageError, STORAGE_RETRY_AFTER_MS } from './storage-error.js';
import { WriteHealth } from './write-health.js';
import {
  Lifecycle,
  warnOnStageError,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';
import type { BackoffPolicy } from '../../model/backoff.js';

function retryState(row: JobRow): RetryState {
  const backoff = row.backoff === null ? undefined : (JSON.parse(row.backoff) as BackoffPolicy);
  return { status: row.status, attempt: row.attempt, maxAttempts: row.max_attempts, backoff };
}

export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a store that lives as long as the process. */
  path: string;
  synchronous?: SqliteSynchronous;
  /**
   * For tools and tests that read a file a server holds: no lock, no migration, no writes
   * (they fail). The file must exist and have the current schema.
   */
  readOnly?: boolean;
  /** Most finished jobs one prune() deletes (default 10,000); the rest wait for the next. */
  pruneLimit?: number;
  /** Called when a bus listener throws; the event still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
  /** Called when writes start failing (disk full, I/O error) and again when they recover. */
  onWriteHealth?: (failure: WriteFailure | undefined) => void;
  /** While writes fail, a probe write runs this often (ms). */
  probeIntervalMs?: number;
  /** Reports a failed close stage (default: a process warning). */
  onCloseError?: StageErrorHandler;
  /** The time in ms (default Date.now): timestamps, due times and backoff; tests inject one. */
  clock?: () => number;
  /** The random source of backoff jitter (default Math.random). */
  random?: () => number;
}

/**
 * Jobs one prune statement deletes (about 12 events each, their index entries and counts):
 * a few milliseconds, after which the loop serves whatever waits before the next batch.
 */
const PRUNE_BATCH = 50;
/** Most finished jobs one prune() call deletes by default, as in the Redis store. */
export const PRUNE_PASS_LIMIT = 10_000;
/** Most jobs one claim takes: a claim is one write, kept short like a group-commit batch. */
const CLAIM_BATCH = 256;

export class SqliteStore implements Store {
  readonly #db: Database;
  readonly #bus: LocalBus;
  readonly #stmt: Statements;
  readonly #listStatements = new Map<string, Statement<unknown[], JobRow>>();
  readonly #writes: GroupCommit;
  readonly #snapshots = new SnapshotCache();
  readonly #leases: SqliteLeases;
  readonly #claimWindow: ClaimWindow;
  /** Webhook deliveries, written in the same transaction as the events they report. */
  readonly webhooks: SqliteWebhookOutbox;
  readonly webhookEndpoints: SqliteWebhookEndpoints;
  readonly schedules: SqliteSchedules;
  readonly #lock: ProcessLock | undefined;
  readonly #pruneLimit: number;
  readonly #health: WriteHealth;
  readonly #delivery: DeferredDelivery;
  readonly #compactLog: Statement<[number, number]>;
  readonly #lifecycle: Lifecycle;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: SqliteStoreOptions) {
    this.#now = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#lifecycle = new Lifecycle(options.onCloseError ?? warnOnStageError('the SQLite store'));
    const { path } = options;
    if (path === ':memory:') {
      this.#db = new BetterSqlite3(path);
    } else if (options.readOnly === true) {
      this.#db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    } else {
      mkdirSync(dirname(path), { recursive: true });
      // Nothing is written before the file is known to be ours, sound and writable, and
      // before this process holds it alone (docs/reliability.md).
      checkDatabaseFile(path);
      this.#lock = ProcessLock.acquire(path);
      this.#db = new BetterSqlite3(path);
    }
    try {
      if (options.readOnly !== true) {
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        this.#db.pragma('foreign_keys = ON');
        migrate(this.#db);
      }
      this.#db.pragma('busy_timeout = 5000');
      // Each write of a group commit is a savepoint, whose sub-journal keeps a copy of every
      // page it changes: a submit changes one page per index. Past 64 KiB SQLite spills that
      // journal to a temp file and writes it for the rest of the transaction: a submit with
      // an owner (seven indexes) did, and cost half as much again (docs/benchmarks.md). In
      // memory it is a few pages per write, dropped at each release; no query sorts more than
      // a page of rows (test/sqlite-list-plans.test.ts), so other temp structures stay small.
      this.#db.pragma('temp_store = MEMORY');
      this.#stmt = prepareStatements(this.#db);
      this.#claimWindow = new ClaimWindow(this.#db);
      this.#compactLog = this.#db.prepare('DELETE FROM job_events WHERE job_n = ? AND seq <= ?');
    } catch (error) {
      this.#db.close();
      this.#lock?.release();
      throw error;
    }
    this.#pruneLimit = options.pruneLimit ?? PRUNE_PASS_LIMIT;
    this.#bus = new LocalBus(options.onListenerError ?? (() => undefined));
    this.#delivery = new DeferredDelivery(
      (event, conflated) => this.#bus.publish(event, conflated),
      { writesWaiting: () => this.#writes.waiting > 0 },
    );
    this.#health = new WriteHealth(
      () => void this.#probeWrite().catch(() => undefined),
      options.probeIntervalMs ?? STORAGE_RETRY_AFTER_MS,
      options.onWriteHealth,
    );
    this.#writes = new GroupCommit(this.#db, {
      publish: (events) => {
        this.#delivery.add(events);
      },
      onCommit: (ok, error) => {
        this.#health.record(ok, error);
      },
    });
    this.#leases = new SqliteLeases(this.#db, {
      apply: (id, change) => this.#apply(id, change),
      jobRow: (id) => this.#jobRow(id),
      oldestQueuedOf: (types) =>
        this.#stmt.oldestQueuedOfTypes.get({ types: JSON.stringify(types), now: this.#now() }),
      runningOf: (type) => this.#runningOf(type),
      now: () => this.#now(),
    });
    this.schedules = new SqliteSchedules(this.#db, {
      create: (job) => this.#insertJob(job),
      write: (apply) => this.#write(apply),
      run: (fn) => this.#run(fn),
      now: () => this.#now(),
    });
    this.webhooks = new SqliteWebhookOutbox(
      this.#db,
      (fn) => this.#write(() => ({ value: fn(), events: [] })),
      (fn) => this.#run(fn),
    );
    this.webhookEndpoints = new SqliteWebhookEndpoints(
      this.#db,
      (fn) => this.#write(() => ({ value: fn(), events: [] })),
      (fn) => this.#run(fn),
      () => this.#now(),
      () => {
        this.webhooks.endpointRegistered();
      },
    );
  }

  create(request: NewJob): Promise<CreateResult> {
    return this.#write(() => this.#insertJob(request));
  }

  /** A job with its `queued` event, inside the caller's transaction; honours idempotency keys. */
  #insertJob(request: NewJob): WriteOutcome<CreateResult> {
    // The fingerprint is only ever compared through the key, so a keyless submit (most of
    // them) skips the canonical encoding and the SHA-256: its row stores NULL.
    const hash =
      request.idempotencyKey === undefined ? null : requestHash(request.type, request.input);
    {
      if (request.idempotencyKey !== undefined) {
        const existing = this.#stmt.jobByKey.get(request.idempotencyKey);
        if (existing) {
          const outcome = existing.request_hash === hash ? 'replayed' : 'conflict';
          return { value: { outcome, job: jobFromRow(existing) }, events: [] };
        }
      }
      const now = this.#now();
      const maxAttempts = request.maxAttempts ?? 1;
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
        max_attempts: maxAttempts,
        backoff: maxAttempts > 1 ? toJsonColumn(request.backoff) : null,
        priority: request.priority ?? 0,
        run_at: request.runAt !== undefined && request.runAt > now ? request.runAt : null,
        keep_for: request.keepForMs ?? null,
        created_at: now,
        updated_at: now,
      };
      row.n = Number(this.#stmt.insertJob.run(row).lastInsertRowid);
      if (request.webhooks) this.webhooks.addTargets(row.n, request.webhooks);
      const delayed =
        row.run_at === null ? undefined : { runAt: new Date(row.run_at).toISOString() };
      const eventRow = eventParams(row.n, 1, 'queued', 'queued', 0, delayed, now);
      this.#stmt.insertEvent.run(eventRow);
      return {
        value: { outcome: 'created', job: jobFromRow(row) },
        events: [eventFromRow(eventRow, row.id)],
      };
    }
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
      const { page, nextCursor } = pageOf(rows, query.limit, (row) => row.n);
      return { jobs: page.map(jobFromRow), nextCursor };
    });
  }

  update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    return this.#write(() => {
      const applied = this.#apply(id, change);
      return { value: applied, events: [applied.event] };
    });
  }

  claimNext(
    limit = 1,
    exceptTypes: readonly string[] = [],
    typeLimits: Readonly<Record<string, number>> = {},
  ): Promise<ClaimResult> {
    return this.#write((): WriteOutcome<ClaimResult> => {
      const now = this.#now();
      const applied = this.#claimDue(now, Math.min(limit, CLAIM_BATCH), exceptTypes, typeLimits);
      const next = this.#stmt.nextDue.get(now)?.at ?? undefined;
      return {
        value: { jobs: applied.map((a) => a.job), nextDueAt: next ?? undefined },
        events: applied.map((a) => a.event),
      };
    });
  }

  /**
   * Up to `limit` due jobs in claim order, inside the caller's transaction. A type with a limit
   * is skipped once its running jobs reach it (counted in the same transaction, so two runners
   * on one store cannot both take the last slot); the query is re-run without it until
   * `limit` jobs are taken or none are due.
   */
  #claimDue(
    now: number,
    limit: number,
    exceptTypes: readonly string[],
    typeLimits: Readonly<Record<string, number>>,
  ): { job: Job; event: JobEvent }[] {
    const free = new Map<string, number>();
    const skip = new Set(exceptTypes);
    for (const [type, max] of Object.entries(typeLimits)) {
      const left = max - this.#runningOf(type);
      free.set(type, left);
      if (left <= 0) skip.add(type);
    }
    const applied: { job: Job; event: JobEvent }[] = [];
    for (;;) {
      const wanted = limit - applied.length;
      const due = this.#claimWindow.due(now, wanted, skip);
      for (const { id, type } of due) {
        const left = free.get(type);
        if (left !== undefined && left <= 0) continue; // filled earlier in this batch
        applied.push(this.#apply(id, { kind: 'started' }));
        if (left === undefined) continue;
        free.set(type, left - 1);
        if (left - 1 <= 0) skip.add(type);
      }
      // Fewer rows than asked: nothing else is due. Otherwise rows were skipped only for a
      // type that just filled up, which the next query leaves out.
      if (due.length < wanted || applied.length >= limit) return applied;
    }
  }

  claimLeased(
    types: readonly string[],
    worker: string,
    leaseMs: number,
    typeLimits: Readonly<Record<string, number>> = {},
  ): Promise<LeasedJob | undefined> {
    return this.#write(() => this.#leases.claim(types, worker, leaseMs, typeLimits));
  }

  /**
   * One job's start within its type's limit (type-slots.ts): the count and the start are one
   * transaction, so two callers cannot both take the last slot. No parking: in embedded mode
   * the runner claims with claimNext and is woken by the bus.
   */
  readonly typeSlots: TypeSlots = {
    start: (id, limit) =>
      this.#write((): WriteOutcome<LimitedStart> => {
        const row = this.#jobRow(id);
        if (row.status === 'queued' && this.#runningOf(row.type) >= limit) {
          return { value: { outcome: 'full' }, events: [] };
        }
        const applied = this.#apply(id, { kind: 'started' });
        return { value: { outcome: 'started', ...applied }, events: [applied.event] };
      }),
  };

  #runningOf(type: string): number {
    return this.#stmt.runningOfType.get(type)?.count ?? 0;
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

  /**
   * At most `pruneLimit` jobs per call, in batches of PRUNE_BATCH, each its own transaction,
   * with a turn of the event loop between them: a backlog of 200,000 finished jobs (a
   * retention shortened at restart, a clock that jumped) never holds the loop for more than a
   * batch. The retention pruner calls again for the rest.
   */
  async prune(before: Date, now?: Date): Promise<number> {
    const at = now?.getTime() ?? this.#now();
    // Jobs kept by the retention given, then those with their own (keep-for.ts).
    const passes = [
      (batch: number) => this.#stmt.pruneBatch.run(before.getTime(), batch).changes,
      (batch: number) => this.#stmt.pruneKeptBatch.run(at, batch).changes,
    ];
    let total = 0;
    for (const pass of passes) {
      while (total < this.#pruneLimit && !this.#closed) {
        const batch = Math.min(PRUNE_BATCH, this.#pruneLimit - total);
        const deleted = await this.#run(() => pass(batch));
        if (deleted > 0) this.#snapshots.clear();
        total += deleted;
        if (deleted < batch) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return total;
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

  writeFailure(): WriteFailure | undefined {
    return this.#health.failure;
  }

  /** Live bus subscriptions, for metrics and leak checks in tests. */
  get subscriptionCount(): number {
    return this.#bus.size;
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      // Writes already accepted are committed, not dropped.
      {
        name: 'pending writes',
        run: () => {
          this.#writes.flush();
        },
      },
      {
        name: 'deliveries',
        run: () => {
          this.#delivery.flush();
          this.#health.close();
        },
      },
      { name: 'database', run: () => this.#db.close() },
      { name: 'process lock', run: () => this.#lock?.release() },
    ]);
  }

  get #closed(): boolean {
    return !this.#lifecycle.running;
  }

  #write<T>(apply: () => WriteOutcome<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return this.#writes.write(() => {
      const outcome = apply();
      this.webhooks.recordEvents(outcome.events); // the outbox: same transaction as the change
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
    } catch (thrown) {
      const error = asStorageError(thrown);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * The write-health probe: rewrites the schema version with its own value, which changes
   * nothing but needs a page written to the WAL, as any real write does.
   */
  #probeWrite(): Promise<void> {
    return this.#write(() => {
      const version = Number(this.#db.pragma('user_version', { simple: true }));
      this.#db.pragma(`user_version = ${version}`);
      return { value: undefined, events: [] };
    });
  }

  #jobRow(id: string): JobRow {
    const row = this.#stmt.jobById.get(id);
    if (!row) throw new AppError('job_not_found', `no job has id ${id}`);
    return row;
  }

  /**
   * One change inside the caller's transaction: state machine, job row, event row. A failure
   * with attempts left becomes a `retrying` event (retry-decision.ts).
   */
  #apply(id: string, change: JobChange): { job: Job; event: JobEvent } {
    const row = this.#jobRow(id);
    const now = Math.max(this.#now(), row.updated_at);
    const retryIn = retryDelay(retryState(row), change, this.#random);
    const kind = retryIn === undefined ? change.kind : 'retrying';
    const status = transition(row.status, kind);
    const seq = row.seq + 1;
    const effect = changeEffect(change);
    const attempt = kind === 'started' ? row.attempt + 1 : row.attempt;
    const progress = kind === 'retrying' ? 0 : (effect.progress ?? row.progress);
    const run_at = status !== 'queued' ? null : retryIn === undefined ? row.run_at : now + retryIn;
    const data =
      kind === 'started'
        ? { attempt }
        : kind === 'retrying'
          ? { error: effect.error, attempt, runAt: new Date(run_at ?? now).toISOString() }
          : kind === 'failed'
            ? { error: effect.error, attempt }
            : effect.data;
    const result = 'result' in effect ? toJsonColumn(effect.result) : null;
    // The last error stays on a job waiting for its retry; a new run clears it.
    const error = effect.error ? JSON.stringify(effect.error) : null;
    this.#stmt.updateJob.run({ id, status, progress, seq, attempt, result, error, run_at, now });
    const eventRow = eventParams(row.n, seq, kind, status, progress, data, now);
    this.#stmt.insertEvent.run(eventRow);
    const compact = change.kind === 'progress' ? compactThrough(seq) : undefined;
    if (compact !== undefined) this.#compactLog.run(row.n, compact);
    const updated: JobRow = {
      ...row,
      status,
      progress,
      seq,
      attempt,
      result,
      error,
      run_at,
      updated_at: now,
    };
    return { job: jobFromRow(updated), event: eventFromRow(eventRow, id) };
  }

  #listStatement(query: ListQuery, hasCursor: boolean): Statement<unknown[], JobRow> {
    const shape: ListShape = {
      status: Boolean(query.status),
      type: Boolean(query.type),
      owner: Boolean(query.owner),
      cursor: hasCursor,
    };
    const key = JSON.stringify(shape);
    let statement = this.#listStatements.get(key);
    if (!statement) {
      statement = this.#db.prepare<unknown[], JobRow>(listSql(shape));
      this.#listStatements.set(key, statement);
    }
    return statement;
  }
}
