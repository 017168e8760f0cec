/**
 * Recurring schedules through the engine (`engine.schedules`): create (cron and time zone
 * checked by croner, the input by the type's schema, queue options by their bounds — all at
 * create time, so a tick never creates a job that would be refused), list, read, pause,
 * resume and delete, on behalf of a caller: another owner's schedule looks like a missing
 * one. The ticks themselves are fired by schedule-ticker.ts.
 */
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import { queueOptionsProblem } from '../model/queue-options.js';
import type { Schedule, ScheduleDefinition, SchedulePage } from '../model/schedule.js';
import type { ScheduleStore } from '../store/schedules.js';
import { firstTick, nextTick } from './cron.js';
import type { JobTypeRegistry } from './registry.js';

export interface ScheduleRequest extends ScheduleDefinition {
  caller?: Caller;
}

export class Schedules {
  readonly #store: ScheduleStore;
  readonly #registry: JobTypeRegistry;
  readonly #clock: () => number;

  constructor(store: ScheduleStore, registry: JobTypeRegistry, clock: () => number) {
    this.#store = store;
    this.#registry = registry;
    this.#clock = clock;
  }

  async create(request: ScheduleRequest): Promise<Schedule> {
    const timezone = request.timezone ?? 'UTC';
    const nextRunAt = firstTick(request.cron, timezone, this.#clock());
    if (nextRunAt === undefined) {
      throw new AppError('invalid_cron', 'cron: the expression has no tick ahead', {
        errors: [{ field: 'cron', message: 'has no tick ahead' }],
      });
    }
    const input = await this.#registry.parseInput(request.type, request.input);
    const { attempts, backoff, priority } = request;
    const problem = queueOptionsProblem({ attempts, backoff, priority });
    if (problem !== undefined) {
      const field = problem.split(' ')[0] ?? 'body';
      throw new AppError('invalid_request', problem, { errors: [{ field, message: problem }] });
    }
    return this.#store.createSchedule({
      cron: request.cron,
      timezone,
      type: request.type,
      input,
      owner: (request.caller ?? ANONYMOUS).owner,
      ...(attempts !== undefined && { attempts }),
      ...(backoff !== undefined && { backoff }),
      ...(priority !== undefined && { priority }),
      nextRunAt,
    });
  }

  /** The caller's schedules, newest first. */
  list(
    query: { limit: number; cursor?: string },
    caller: Caller = ANONYMOUS,
  ): Promise<SchedulePage> {
    return this.#store.listSchedules({ ...query, owner: caller.owner });
  }

  /** The schedule, or `schedule_not_found` — also when it belongs to another caller. */
  async get(id: string, caller: Caller = ANONYMOUS): Promise<Schedule> {
    const schedule = await this.#store.getSchedule(id);
    if (!schedule || (caller.owner !== undefined && schedule.owner !== caller.owner)) {
      throw notFound(id);
    }
    return schedule;
  }

  /** No more ticks until resumed; idempotent. Jobs already created are not touched. */
  async pause(id: string, caller: Caller = ANONYMOUS): Promise<Schedule> {
    await this.get(id, caller);
    return (await this.#store.setSchedulePaused(id, true, undefined)) ?? throwNotFound(id);
  }

  /**
   * Ticks again from the first one after now: the ticks that fell in the pause are skipped.
   * Resuming a running schedule changes nothing.
   */
  async resume(id: string, caller: Caller = ANONYMOUS): Promise<Schedule> {
    const schedule = await this.get(id, caller);
    if (!schedule.paused) return schedule;
    const next = nextTick(schedule.cron, schedule.timezone, this.#clock());
    return (await this.#store.setSchedulePaused(id, false, next)) ?? throwNotFound(id);
  }

  /** Deletes it; the jobs it created stay. */
  async delete(id: string, caller: Caller = ANONYMOUS): Promise<void> {
    await this.get(id, caller);
    if (!(await this.#store.deleteSchedule(id))) throw notFound(id);
  }
}

function notFound(id: string): AppError {
  return new AppError('schedule_not_found', `no schedule has id ${id}`);
}

function throwNotFound(id: string): never {
  throw notFound(id);
}
