/**
 * Schedules in the SQLite store (src/store/schedules.ts). A tick is fired in one transaction:
 * the compare on `next_run_at`, the job row with its `queued` event (through the store's own
 * insert) and the move to the next tick commit together, so a crash leaves either both or
 * neither and a restart can neither lose nor double the tick.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { BackoffPolicy } from '../../model/backoff.js';
import type { Job, JobEvent } from '../../model/job.js';
import type { Schedule, SchedulePage } from '../../model/schedule.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { newJobId } from '../job-id.js';
import type {
  NewSchedule,
  ScheduleQuery,
  ScheduleStore,
  ScheduleTick,
  TickOutcome,
} from '../schedules.js';
import type { CreateResult, NewJob } from '../store.js';
import type { WriteOutcome } from './group-commit.js';
import { toJsonColumn } from './rows.js';

export const SCHEDULES_MIGRATION = `
  CREATE TABLE schedules (
    n            INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    owner        TEXT,
    cron         TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    type         TEXT NOT NULL,
    input        TEXT NOT NULL,                 -- JSON
    job_options  TEXT NOT NULL,                 -- JSON {attempts?, backoff?, priority?}
    paused       INTEGER NOT NULL DEFAULT 0,
    next_run_at  INTEGER,                       -- ms since epoch; NULL: paused or no more ticks
    last_run_at  INTEGER,
    last_job_id  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL;
  CREATE INDEX schedules_by_owner ON schedules (owner) WHERE owner IS NOT NULL;
`;

interface ScheduleRow {
  n: number;
  id: string;
  owner: string | null;
  cron: string;
  timezone: string;
  type: string;
  input: string;
  job_options: string;
  paused: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_job_id: string | null;
  created_at: number;
  updated_at: number;
}

interface JobOptions {
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
}

export interface ScheduleContext {
  /** A job insert inside the current transaction (the store's create). */
  create(job: NewJob): WriteOutcome<CreateResult>;
  write<T>(apply: () => WriteOutcome<T>): Promise<T>;
  run<T>(fn: () => T): Promise<T>;
  now(): number;
}

export class SqliteSchedules implements ScheduleStore {
  readonly #ctx: ScheduleContext;
  readonly #byId: Statement<[string], ScheduleRow>;
  readonly #insert: Statement;
  readonly #setPaused: Statement<[number, number | null, number, string]>;
  readonly #delete: Statement<[string]>;
  readonly #due: Statement<[number, number], ScheduleRow>;
  readonly #advance: Statement<[number | null, number, string, number, string, number]>;
  readonly #list: Map<string, Statement<unknown[], ScheduleRow>> = new Map();
  readonly #db: Database;

  constructor(db: Database, ctx: ScheduleContext) {
    this.#db = db;
    this.#ctx = ctx;
    this.#byId = db.prepare('SELECT * FROM schedules WHERE id = ?');
    this.#insert = db.prepare(
      `INSERT INTO schedules (id, owner, cron, timezone, type, input, job_options, paused,
                              next_run_at, last_run_at, last_job_id, created_at, updated_at)
       VALUES (@id, @owner, @cron, @timezone, @type, @input, @job_options, @paused,
               @next_run_at, @last_run_at, @last_job_id, @created_at, @updated_at)`,
    );
    this.#setPaused = db.prepare(
      'UPDATE schedules SET paused = ?, next_run_at = ?, updated_at = ? WHERE id = ?',
    );
    this.#delete = db.prepare('DELETE FROM schedules WHERE id = ?');
    this.#due = db.prepare(
      `SELECT * FROM schedules INDEXED BY schedules_due
       WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at LIMIT ?`,
    );
    // The compare-and-set: only a schedule still at the tick moves on.
    this.#advance = db.prepare(
      `UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_job_id = ?, updated_at = ?
       WHERE id = ? AND next_run_at = ? AND paused = 0`,
    );
  }

  createSchedule(schedule: NewSchedule): Promise<Schedule> {
    return this.#ctx.write(() => {
      const now = this.#ctx.now();
      const options: JobOptions = {};
      if (schedule.attempts !== undefined) options.attempts = schedule.attempts;
      if (schedule.backoff !== undefined) options.backoff = schedule.backoff;
      if (schedule.priority !== undefined) options.priority = schedule.priority;
      const params: Omit<ScheduleRow, 'n'> = {
        id: newJobId(),
        owner: schedule.owner ?? null,
        cron: schedule.cron,
        timezone: schedule.timezone,
        type: schedule.type,
        input: toJsonColumn(schedule.input) ?? 'null',
        job_options: JSON.stringify(options),
        paused: 0,
        next_run_at: schedule.nextRunAt ?? null,
        last_run_at: null,
        last_job_id: null,
        created_at: now,
        updated_at: now,
      };
      const n = Number(this.#insert.run(params).lastInsertRowid);
      return { value: scheduleFromRow({ n, ...params }), events: [] };
    });
  }

  getSchedule(id: string): Promise<Schedule | undefined> {
    return this.#ctx.run(() => {
      const row = this.#byId.get(id);
      return row && scheduleFromRow(row);
    });
  }

  listSchedules(query: ScheduleQuery): Promise<SchedulePage> {
    return this.#ctx.run(() => {
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = this.#listStatement(query.owner !== undefined, before !== undefined).all({
        owner: query.owner ?? null,
        before: before ?? null,
        limit: query.limit + 1,
      });
      const { page, nextCursor } = pageOf(rows, query.limit, (row) => row.n);
      return { schedules: page.map(scheduleFromRow), nextCursor };
    });
  }

  setSchedulePaused(
    id: string,
    paused: boolean,
    nextRunAt: number | undefined,
  ): Promise<Schedule | undefined> {
    return this.#ctx.write(() => {
      const next = paused ? null : (nextRunAt ?? null);
      const changed = this.#setPaused.run(paused ? 1 : 0, next, this.#ctx.now(), id).changes;
      const row = changed > 0 ? this.#byId.get(id) : undefined;
      return { value: row && scheduleFromRow(row), events: [] };
    });
  }

  deleteSchedule(id: string): Promise<boolean> {
    return this.#ctx.write(() => ({ value: this.#delete.run(id).changes > 0, events: [] }));
  }

  dueSchedules(now: number, limit: number): Promise<Schedule[]> {
    return this.#ctx.run(() =>
      this.#due
        .all(now, limit)
        .filter((row) => row.paused === 0)
        .map(scheduleFromRow),
    );
  }

  fireSchedule(tick: ScheduleTick): Promise<TickOutcome> {
    return this.#ctx.write((): WriteOutcome<TickOutcome> => {
      const row = this.#byId.get(tick.scheduleId);
      if (!row || row.paused !== 0 || row.next_run_at !== tick.tick) {
        return { value: { outcome: 'stale' }, events: [] };
      }
      const created = this.#ctx.create(tick.job);
      const job: Job = created.value.job;
      const events: JobEvent[] = created.events;
      this.#advance.run(
        tick.next ?? null,
        tick.tick,
        job.id,
        this.#ctx.now(),
        tick.scheduleId,
        tick.tick,
      );
      return { value: { outcome: 'fired', job }, events };
    });
  }

  #listStatement(owner: boolean, cursor: boolean): Statement<unknown[], ScheduleRow> {
    const key = `${owner}:${cursor}`;
    let statement = this.#list.get(key);
    if (!statement) {
      const where = [owner ? 'owner = @owner' : '', cursor ? 'n < @before' : ''].filter(Boolean);
      statement = this.#db.prepare<unknown[], ScheduleRow>(
        `SELECT * FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY n DESC LIMIT @limit`,
      );
      this.#list.set(key, statement);
    }
    return statement;
  }
}

function scheduleFromRow(row: ScheduleRow): Schedule {
  const schedule: Schedule = {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    type: row.type,
    input: JSON.parse(row.input) as unknown,
    ...(JSON.parse(row.job_options) as JobOptions),
    paused: row.paused !== 0,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
  if (row.owner !== null) schedule.owner = row.owner;
  if (row.next_run_at !== null) schedule.nextRunAt = new Date(row.next_run_at).toISOString();
  if (row.last_run_at !== null) schedule.lastRunAt = new Date(row.last_run_at).toISOString();
  if (row.last_job_id !== null) schedule.lastJobId = row.last_job_id;
  return schedule;
}
