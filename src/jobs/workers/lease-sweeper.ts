/**
 * Hands back the jobs of workers that stopped renewing their leases (they died, hung or were
 * partitioned), per the recovery policy: re-queued (`reason: "lease-expired"`) while attempts
 * remain, else failed as `lease_expired`. It checks a few times per lease duration, so a lapsed
 * lease is handed back within about a third of a lease; in Redis mode every gateway sweeps and
 * the scripts make each hand-back happen once.
 */
import type { Store } from '../../store/store.js';
import {
  warnOnStageError,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';
import { PeriodicPass } from '../../lifecycle/periodic-pass.js';

export interface LeaseSweeperOptions {
  leaseMs: number;
  requeueBelowAttempt: number;
  /** Told about a sweep that failed (store unreachable); the next one tries again. */
  onError?: (error: unknown) => void;
  /** Reports a failed close stage (default: a process warning). */
  onCloseError?: StageErrorHandler;
}

export class LeaseSweeper implements Closeable {
  readonly #store: Store;
  readonly #options: LeaseSweeperOptions;
  readonly #passes: PeriodicPass;

  constructor(store: Store, options: LeaseSweeperOptions) {
    this.#store = store;
    this.#options = options;
    this.#passes = new PeriodicPass({
      intervalMs: this.intervalMs,
      run: () => this.#sweepAll(),
      onCloseError: options.onCloseError ?? warnOnStageError('the lease sweeper'),
    });
  }

  /** How often it sweeps: a third of a lease, between 50 ms and 5 s. */
  get intervalMs(): number {
    return Math.min(5000, Math.max(50, Math.floor(this.#options.leaseMs / 3)));
  }

  start(): void {
    this.#passes.start();
  }

  /** One sweep (at most one at a time): every lapsed lease, 100 per store call. */
  sweep(): Promise<void> {
    return this.#passes.pass();
  }

  get state(): LifecycleState {
    return this.#passes.state;
  }

  /** Stops sweeping and waits for a sweep in progress, so the store closes after it. */
  close(): Promise<void> {
    return this.#passes.close();
  }

  async #sweepAll(): Promise<void> {
    try {
      for (let batch = 0; batch < 100; batch++) {
        const handedBack = await this.#store.expireLeases(this.#options.requeueBelowAttempt);
        if (handedBack.length < 100) return;
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}
