/**
 * Deletes finished jobs (with their events and idempotency keys) once they are older than the
 * retention period: a periodic pass (lifecycle/periodic-pass.ts) on a timer that never keeps
 * the process alive.
 *
 * Each store caps how much one prune deletes (10,000 jobs, in batches that yield to the loop),
 * so that a backlog — a retention shortened at restart, a clock that jumped — is worked off in
 * bounded passes rather than at once: while passes keep finding jobs, the next follows after a
 * second.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Closeable, LifecycleState } from '../lifecycle/lifecycle.js';
import { PeriodicPass, type PassOutcome } from '../lifecycle/periodic-pass.js';

/** Pause between passes while a backlog is being pruned. */
const BACKLOG_PAUSE_MS = 1000;

export class RetentionPruner implements Closeable {
  readonly #store: Store;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #passes: PeriodicPass;

  constructor(store: Store, retentionMs: number, logger: Logger) {
    this.#store = store;
    this.#retentionMs = retentionMs;
    this.#logger = logger;
    // Prune ten times per retention period, but at least hourly and at most every second.
    const everyMs = Math.min(3_600_000, Math.max(1000, Math.floor(retentionMs / 10)));
    this.#passes = new PeriodicPass({
      intervalMs: everyMs,
      backlogIntervalMs: Math.min(BACKLOG_PAUSE_MS, everyMs),
      run: () => this.#prune(),
      onCloseError: (stage, error) => {
        logger.error({ err: error, stage }, `closing the retention pruner: ${stage} failed`);
      },
    });
    this.#passes.start();
  }

  get state(): LifecycleState {
    return this.#passes.state;
  }

  /** Stops the timer and waits for a pass in progress, so the store can close after it. */
  close(): Promise<void> {
    return this.#passes.close();
  }

  async #prune(): Promise<PassOutcome> {
    try {
      const count = await this.#store.prune(new Date(Date.now() - this.#retentionMs));
      if (count === 0) return undefined;
      this.#logger.info({ count }, 'pruned finished jobs');
      return 'backlog';
    } catch (error) {
      this.#logger.error({ err: error }, 'pruning finished jobs failed');
      return undefined;
    }
  }
}
