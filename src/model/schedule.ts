/**
 * A recurring schedule: a cron expression in a time zone that creates one job of `type` with
 * `input` at each tick (docs/queue.md, "Schedules"). Shared by the server, the SDK and the
 * dashboard.
 */
import type { BackoffPolicy } from './backoff.js';

export interface Schedule {
  /** A lowercase UUID v4. */
  id: string;
  /** Cron expression (5 fields, or 6 with seconds first), as croner reads it. */
  cron: string;
  /** IANA time zone the expression is read in (`UTC` by default). */
  timezone: string;
  /** With API keys on: the key that created it (its jobs belong to the same owner). */
  owner?: string;
  type: string;
  /** Validated against the type's input schema when the schedule was created. */
  input: unknown;
  /** Queue options given to each job it creates. */
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
  paused: boolean;
  /** The next tick (ISO 8601); absent while paused or when the expression has no more. */
  nextRunAt?: string;
  /** The tick that created the latest job, and that job. */
  lastRunAt?: string;
  lastJobId?: string;
  createdAt: string;
  updatedAt: string;
}

/** What `POST /schedules` takes: the SDK's `schedules.create` and the engine's create. */
export interface ScheduleDefinition {
  /** Cron expression as croner reads it: 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA time zone (default `UTC`). */
  timezone?: string;
  type: string;
  /** Each job's input; checked against the type's schema when the schedule is created. */
  input?: unknown;
  /** Runs each job may have in all (default: the job type's, else 1). */
  attempts?: number;
  backoff?: BackoffPolicy;
  /** Higher runs first (-1000 to 1000; default the type's, else 0). */
  priority?: number;
}

export interface SchedulePage {
  schedules: Schedule[];
  nextCursor: string | null;
}
