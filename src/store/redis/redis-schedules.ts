/**
 * The Redis store's schedules (src/store/schedules.ts) over schedule-scripts.ts. A tick is
 * fired as: check the schedule is still at the tick, create the tick's job under its
 * idempotency key (`schedule:<id>:<tick>`, the same on every gateway), then move the schedule
 * on with a compare-and-set script. Two gateways firing the same tick get the same job, and
 * only one moves the schedule; a gateway that dies between the job and the move leaves the
 * tick due, and whoever fires it next finds the job by its key instead of creating another.
 */
import type { Redis } from 'ioredis';
import type { BackoffPolicy } from '../../model/backoff.js';
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
import { hashFromList } from './codec.js';
import { defineScripts, guard } from './redis-commands.js';
import {
  SCHEDULE_ADVANCE_SCRIPT,
  SCHEDULE_CREATE_SCRIPT,
  SCHEDULE_DELETE_SCRIPT,
  SCHEDULE_PAUSE_SCRIPT,
} from './schedule-scripts.js';

declare module 'ioredis' {
  interface RedisCommander {
    bpScheduleCreate(...args: string[]): Promise<string[]>;
    bpSchedulePause(...args: string[]): Promise<string[]>;
    bpScheduleDelete(...args: string[]): Promise<number>;
    bpScheduleAdvance(...args: string[]): Promise<number>;
  }
}

/** The fields fixed at creation, kept as one JSON value. */
interface Fixed {
  id: string;
  cron: string;
  timezone: string;
  type: string;
  input: unknown;
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
}

export interface RedisScheduleContext {
  redis: Redis;
  prefix: string;
  /** The store's create: idempotency keys, epoch checks and durability included. */
  create(job: NewJob): Promise<CreateResult>;
}

export class RedisSchedules implements ScheduleStore {
  readonly #ctx: RedisScheduleContext;

  constructor(ctx: RedisScheduleContext) {
    this.#ctx = ctx;
    const scripts = {
      bpScheduleCreate: SCHEDULE_CREATE_SCRIPT,
      bpSchedulePause: SCHEDULE_PAUSE_SCRIPT,
      bpScheduleDelete: SCHEDULE_DELETE_SCRIPT,
      bpScheduleAdvance: SCHEDULE_ADVANCE_SCRIPT,
    };
    defineScripts(ctx.redis, scripts);
  }

  createSchedule(schedule: NewSchedule): Promise<Schedule> {
    const { owner, nextRunAt, ...rest } = schedule;
    const fixed: Fixed = { id: newJobId(), ...rest };
    return guard(
      this.#ctx.redis
        .bpScheduleCreate(
          this.#ctx.prefix,
          fixed.id,
          JSON.stringify(fixed),
          owner ?? '',
          nextRunAt === undefined ? '' : String(nextRunAt),
        )
        .then((fields) => fromHash(hashFromList(fields))),
    );
  }

  getSchedule(id: string): Promise<Schedule | undefined> {
    return guard(this.#read([id]).then(([schedule]) => schedule));
  }

  listSchedules(query: ScheduleQuery): Promise<SchedulePage> {
    return guard(this.#list(query));
  }

  async #list(query: ScheduleQuery): Promise<SchedulePage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const index =
      query.owner === undefined
        ? `${this.#ctx.prefix}sch:all`
        : `${this.#ctx.prefix}sch:ow:${query.owner}`;
    const hits = await this.#ctx.redis.zrevrangebyscore(
      index,
      before === undefined ? '+inf' : `(${before}`,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      query.limit + 1,
    );
    const entries: { id: string; score: number }[] = [];
    for (let i = 0; i + 1 < hits.length; i += 2) {
      entries.push({ id: hits[i] ?? '', score: Number(hits[i + 1]) });
    }
    const { page, nextCursor } = pageOf(entries, query.limit, (entry) => entry.score);
    const schedules = (await this.#read(page.map((entry) => entry.id))).filter(
      (s): s is Schedule => s !== undefined,
    );
    return { schedules, nextCursor };
  }

  setSchedulePaused(
    id: string,
    paused: boolean,
    nextRunAt: number | undefined,
  ): Promise<Schedule | undefined> {
    return guard(
      this.#ctx.redis
        .bpSchedulePause(
          this.#ctx.prefix,
          id,
          paused ? '1' : '0',
          nextRunAt === undefined ? '' : String(nextRunAt),
        )
        .then((fields) => (fields.length === 0 ? undefined : fromHash(hashFromList(fields)))),
    );
  }

  deleteSchedule(id: string): Promise<boolean> {
    return guard(this.#ctx.redis.bpScheduleDelete(this.#ctx.prefix, id).then((n) => n === 1));
  }

  dueSchedules(now: number, limit: number): Promise<Schedule[]> {
    return guard(
      this.#ctx.redis
        .zrangebyscore(`${this.#ctx.prefix}sch:due`, '-inf', String(now), 'LIMIT', 0, limit)
        .then((ids) => this.#read(ids))
        .then((found) => found.filter((s): s is Schedule => s !== undefined && !s.paused)),
    );
  }

  async fireSchedule(tick: ScheduleTick): Promise<TickOutcome> {
    const key = `${this.#ctx.prefix}sch:${tick.scheduleId}`;
    const [paused, next] = await guard(this.#ctx.redis.hmget(key, 'paused', 'next'));
    if (paused !== '0' || next !== String(tick.tick)) return { outcome: 'stale' };
    const { job } = await this.#ctx.create(tick.job);
    const moved = await guard(
      this.#ctx.redis.bpScheduleAdvance(
        this.#ctx.prefix,
        tick.scheduleId,
        String(tick.tick),
        tick.next === undefined ? '' : String(tick.next),
        job.id,
      ),
    );
    return moved === 1 ? { outcome: 'fired', job } : { outcome: 'stale' };
  }

  async #read(ids: readonly string[]): Promise<(Schedule | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.#ctx.redis.pipeline();
    for (const id of ids) pipeline.hgetall(`${this.#ctx.prefix}sch:${id}`);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, hash]) => {
      if (error) throw error;
      const fields = hash as Record<string, string>;
      return fields.s === undefined ? undefined : fromHash(fields);
    });
  }
}

function fromHash(hash: Record<string, string>): Schedule {
  const fixed = JSON.parse(hash.s ?? '{}') as Fixed;
  const schedule: Schedule = {
    ...fixed,
    paused: hash.paused === '1',
    createdAt: iso(hash.created),
    updatedAt: iso(hash.updated),
  };
  if (hash.owner) schedule.owner = hash.owner;
  if (hash.next) schedule.nextRunAt = iso(hash.next);
  if (hash.last) schedule.lastRunAt = iso(hash.last);
  if (hash.job) schedule.lastJobId = hash.job;
  return schedule;
}

function iso(ms: string | undefined): string {
  return new Date(Number(ms)).toISOString();
}
