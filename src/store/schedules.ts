/**
 * Schedules in the store: rows that say when the next job of a recurring schedule is due. The
 * engine's ticker (src/jobs/schedule-ticker.ts) reads what is due and fires each tick with
 * `fireSchedule`, which creates the tick's job and advances the schedule to its next tick as
 * one decision: a tick that two gateways (or a retry after a crash) fire creates one job. Times
 * are passed in, in ms on the deployment's clock, so the store never reads a clock of its own
 * for them and tests drive ticks without waiting.
 */
import type { BackoffPolicy } from '../model/backoff.js';
import type { Job } from '../model/job.js';
import type { Schedule, SchedulePage } from '../model/schedule.js';
import type { NewJob } from './new-job.js';

export interface NewSchedule {
  cron: string;
  timezone: string;
  type: string;
  /** Already validated and normalised against the type's schema. */
  input: unknown;
  owner?: string;
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
  /** The first tick (ms), or undefined when the expression has none ahead. */
  nextRunAt: number | undefined;
}

export interface ScheduleQuery {
  /** Only this owner's schedules (API keys on). */
  owner?: string;
  /** 1–100. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

/** One tick to fire: the job it creates and where the schedule moves on to. */
export interface ScheduleTick {
  scheduleId: string;
  /** The tick being fired: the schedule's stored `nextRunAt` (ms) that the caller read. */
  tick: number;
  /** The tick after it (ms), or undefined when the expression has no more. */
  next: number | undefined;
  /** The job; its idempotency key is the tick's (`schedule:<id>:<tick ISO>`). */
  job: NewJob & { idempotencyKey: string };
}

export type TickOutcome =
  /** This call created the tick's job (or found it created by a call that did not advance). */
  | { outcome: 'fired'; job: Job }
  /** The schedule is no longer at `tick` (fired elsewhere, paused, deleted): nothing done. */
  | { outcome: 'stale' };

export interface ScheduleStore {
  createSchedule(schedule: NewSchedule): Promise<Schedule>;
  getSchedule(id: string): Promise<Schedule | undefined>;
  /** Newest first. */
  listSchedules(query: ScheduleQuery): Promise<SchedulePage>;
  /**
   * Pausing clears the next tick; resuming sets it to `nextRunAt`. Undefined when no schedule
   * has this id.
   */
  setSchedulePaused(
    id: string,
    paused: boolean,
    nextRunAt: number | undefined,
  ): Promise<Schedule | undefined>;
  /** False when no schedule has this id. Jobs it created stay. */
  deleteSchedule(id: string): Promise<boolean>;
  /** Unpaused schedules whose next tick is at or before `now`, earliest first, at most `limit`. */
  dueSchedules(now: number, limit: number): Promise<Schedule[]>;
  /**
   * Creates the tick's job and moves the schedule from `tick` to `next`, only while its stored
   * next tick is still `tick`: exactly one job per tick however many callers fire it.
   */
  fireSchedule(tick: ScheduleTick): Promise<TickOutcome>;
}

/** The idempotency key of a tick's job: the same on every gateway that fires it. */
export function tickKey(scheduleId: string, tick: number): string {
  return `schedule:${scheduleId}:${new Date(tick).toISOString()}`;
}
