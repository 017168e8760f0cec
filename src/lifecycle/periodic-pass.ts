/**
 * A pass that runs every `intervalMs` (and on demand), never two at once, whose close() stops
 * the timer and then waits for a pass in progress — so the store a pass writes to can close
 * after it, not under it. The shape shared by the outbox reconciler and the lease sweeper.
 */
import {
  Lifecycle,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from './lifecycle.js';

export interface PeriodicPassOptions {
  intervalMs: number;
  /** One pass; it handles its own failures (the next pass retries). */
  run: () => Promise<void>;
  onCloseError: StageErrorHandler;
}

export class PeriodicPass implements Closeable {
  readonly #options: PeriodicPassOptions;
  readonly #lifecycle: Lifecycle;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: PeriodicPassOptions) {
    this.#options = options;
    this.#lifecycle = new Lifecycle(options.onCloseError);
  }

  /** Starts the timer (idempotent; nothing once closing began). */
  start(): void {
    if (this.#timer || !this.#lifecycle.running) return;
    this.#timer = setInterval(() => void this.pass(), this.#options.intervalMs).unref();
  }

  /** One pass, or the one in progress; resolves with it. None once closing began. */
  pass(): Promise<void> {
    if (!this.#lifecycle.running) return this.#running ?? Promise.resolve();
    this.#running ??= this.#options.run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'timer',
        run: () => {
          clearInterval(this.#timer);
        },
      },
      { name: 'pass in progress', run: () => this.#running },
    ]);
  }
}
