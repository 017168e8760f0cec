/**
 * Fires the ticks of recurring schedules: a periodic pass (src/lifecycle/periodic-pass.ts)
 * that asks the store what is due on the deployment's clock and fires each due tick once
 * through `store.schedules.fireSchedule` (one job per tick, however many gateways tick).
 *
 * Missed ticks (everything was down, or the pass fell behind): the schedule's stored next tick
 * is fired once, and the schedule moves on to the first tick after now — "skip the missed
 * ones, run once on catch-up", as cron daemons with catch-up and BullMQ's job schedulers do.
 */
import type { Job } from '../model/job.js';
import type { Schedule } from '../model/schedule.js';
import { tickKey } from '../store/schedules.js';
import type { Store } from '../store/store.js';
import {
  warnOnStageError,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from '../lifecycle/lifecycle.js';
import { PeriodicPass } from '../lifecycle/periodic-pass.js';
import type { JobTypeRegistry } from './registry.js';
import { queueSettings } from './queue-settings.js';
import { nextTick } from './cron.js';

/** Due schedules one store call returns; a pass asks again while it gets full batches. */
const BATCH = 100;

export interface ScheduleTickerOptions {
  /** How often it looks for due ticks (ms); a tick fires at most this late. */
  intervalMs: number;
  /** The deployment's clock (ms): Redis's in Redis mode. */
  clock: () => number;
  /** Hands a created job to the queue (Redis mode); embedded mode needs nothing. */
  dispatch?: (job: Job) => Promise<void>;
  /** Told about a pass or tick that failed; the next pass tries again. */
  onError?: (error: unknown) => void;
  onCloseError?: StageErrorHandler;
  /** The longest a job may keep itself (queue-settings.ts); default no cap. */
  maxKeepForMs?: number;
}

export class ScheduleTicker implements Closeable {
  readonly #store: Store;
  readonly #registry: JobTypeRegistry;
  readonly #options: ScheduleTickerOptions;
  readonly #passes: PeriodicPass;

  constructor(store: Store, registry: JobTypeRegistry, options: ScheduleTickerOptions) {
    this.#store = store;
    this.#registry = registry;
    this.#options = options;
    this.#passes = new PeriodicPass({
      intervalMs: options.intervalMs,
      run: () => this.#fireDue(),
      onCloseError: options.onCloseError ?? warnOnStageError('the schedule ticker'),
    });
  }

  start(): void {
    this.#passes.start();
  }

  /** One pass now (or the one in progress): every tick due on the clock is fired. */
  tick(): Promise<void> {
    return this.#passes.pass();
  }

  get state(): LifecycleState {
    return this.#passes.state;
  }

  /** Stops ticking and waits for a pass in progress, so the store closes after it. */
  close(): Promise<void> {
    return this.#passes.close();
  }

  async #fireDue(): Promise<void> {
    try {
      for (let batch = 0; batch < 100; batch++) {
        const now = this.#options.clock();
        const due = await this.#store.schedules.dueSchedules(now, BATCH);
        for (const schedule of due) {
          // One schedule that cannot fire (its type gone, a dispatch fault) holds up no other.
          await this.#fire(schedule, now).catch((error: unknown) => this.#options.onError?.(error));
        }
        if (due.length < BATCH) return;
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async #fire(schedule: Schedule, now: number): Promise<void> {
    if (schedule.nextRunAt === undefined) return;
    const tick = Date.parse(schedule.nextRunAt);
    const type = this.#registry.get(schedule.type);
    const settings = queueSettings(schedule, type, () => now, this.#options.maxKeepForMs);
    const fired = await this.#store.schedules.fireSchedule({
      scheduleId: schedule.id,
      tick,
      next: nextTick(schedule.cron, schedule.timezone, Math.max(now, tick)),
      job: {
        ...settings,
        type: schedule.type,
        input: schedule.input,
        owner: schedule.owner,
        idempotencyKey: tickKey(schedule.id, tick),
      },
    });
    if (fired.outcome === 'fired' && fired.job.status === 'queued') {
      await this.#options.dispatch?.(fired.job);
    }
  }
}
