/**
 * A pass that runs `intervalMs` after the last one ended (and on demand), never two at once,
 * whose close() stops the timer and then waits for a pass in progress — so the store a pass
 * writes to can close after it, not under it. The shape shared by the outbox reconciler, the
 * lease sweeper, the schedule ticker and the retention pruner. A pass that leaves work behind
 * (a capped prune) says `'backlog'`, and the next follows after `backlogIntervalMs` instead.
 */
import {
  Lifecycle,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from './lifecycle.js';

/** What a pass may answer: `'backlog'` when it stopped at a cap with work left. */
export type PassOutcome = 'backlog' | undefined;

export interface PeriodicPassOptions {
  /** From the end of one timed pass to the start of the next. */
  intervalMs: number;
  /** After a pass that answered `'backlog'` (default: `intervalMs`). */
  backlogIntervalMs?: number;
  /** One pass; it handles its own failures (the next pass retries). */
  run: () => Promise<PassOutcome> | Promise<void>;
  onCloseError: StageErrorHandler;
}

export class PeriodicPass implements Closeable {
  readonly #options: PeriodicPassOptions;
  readonly #lifecycle: Lifecycle;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: PeriodicPassOptions) {
    this.#options = options;
    this.#lifecycle = new Lifecycle(options.onCloseError);
  }

  /** Starts the timer (idempotent; nothing once closing began). */
  start(): void {
    if (this.#timer === undefined) this.#after(this.#options.intervalMs);
  }

  /** One pass, or the one in progress; resolves with it. None once closing began. */
  async pass(): Promise<void> {
    await this.#pass();
  }

  #pass(): Promise<unknown> {
    if (!this.#lifecycle.running) return this.#running ?? Promise.resolve();
    this.#running ??= this.#options.run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The next timed pass in `ms`; each is timed from the end of the last, so none overlap. */
  #after(ms: number): void {
    if (!this.#lifecycle.running) return;
    this.#timer = setTimeout(() => {
      const next = (outcome?: unknown): void => {
        const { intervalMs, backlogIntervalMs = intervalMs } = this.#options;
        this.#after(outcome === 'backlog' ? backlogIntervalMs : intervalMs);
      };
      // A pass that throws broke its contract: the error still surfaces, the timer goes on.
      void this.#pass().then(next, (error: unknown) => {
        next();
        throw error;
      });
    }, ms).unref();
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'timer',
        run: () => {
          clearTimeout(this.#timer);
        },
      },
      { name: 'pass in progress', run: () => this.#running },
    ]);
  }
}
