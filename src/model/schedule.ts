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

export interface SchedulePage {
  schedules: Schedule[];
  nextCursor: string | null;
}
