/**
 * Keeps the store and the queue from disagreeing for long (Redis mode). Every job enters the
 * store's dispatch outbox in the same script that stores it and leaves it once BullMQ has it;
 * this pass, run every second in every Redis-mode process, re-enqueues what stayed longer than
 * the grace period: a submit answered `503 … stored but could not be queued`, or a gateway
 * killed between storing and enqueuing. BullMQ ignores a job id it already holds, and the
 * worker skips a job the store says is finished, so an extra enqueue is harmless.
 *
 * Bound: a stored job is in the queue at most about grace + interval after it was stored (3 s
 * by default) once some process can reach both, without waiting for a restart or a new submit.
 */
import type { Logger } from 'pino';
import type { Closeable, LifecycleState } from '../../lifecycle/lifecycle.js';
import { PeriodicPass } from '../../lifecycle/periodic-pass.js';
import type { DispatchOutbox } from '../../store/dispatch-outbox.js';
import type { JobDispatcher } from './job-dispatcher.js';

export interface ReconcilerOptions {
  outbox: DispatchOutbox;
  dispatcher: JobDispatcher;
  logger: Logger;
  /** An enqueue not confirmed after this long is retried (default 2 s). */
  graceMs?: number;
  /** Time between passes (default 1 s). */
  intervalMs?: number;
}

/** Entries taken per pass; more wait for the next one. */
const BATCH = 500;

export class OutboxReconciler implements Closeable {
  readonly #options: ReconcilerOptions;
  readonly #log: Logger;
  readonly #passes: PeriodicPass;

  constructor(options: ReconcilerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'outbox-reconciler' });
    this.#passes = new PeriodicPass({
      intervalMs: options.intervalMs ?? 1000,
      run: () => this.#pass(),
      onCloseError: (stage, error) => {
        this.#log.error({ err: error, stage }, `closing the outbox reconciler: ${stage} failed`);
      },
    });
    this.#passes.start();
  }

  /** One pass (passes never overlap); resolves with it. Failures are logged, then retried. */
  pass(): Promise<void> {
    return this.#passes.pass();
  }

  get state(): LifecycleState {
    return this.#passes.state;
  }

  /** Stops the timer and waits for a pass in progress. Memoised. */
  close(): Promise<void> {
    return this.#passes.close();
  }

  async #pass(): Promise<void> {
    const { outbox, dispatcher } = this.#options;
    try {
      const due = await outbox.due(this.#options.graceMs ?? 2000, BATCH);
      for (const entry of due) await dispatcher.dispatch(entry);
      if (due.length > 0) {
        this.#log.warn({ count: due.length }, 're-enqueued jobs stored but missing from the queue');
      }
    } catch (error) {
      this.#log.debug({ err: error }, 'outbox pass failed; the next one retries');
    }
  }
}
