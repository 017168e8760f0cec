/**
 * Deletes finished jobs (with their events and idempotency keys) once they are older than the
 * retention period. Runs on a timer that never keeps the process alive.
 *
 * Each store caps how much one prune deletes (10,000 jobs, in batches that yield to the loop),
 * so that a backlog — a retention shortened at restart, a clock that jumped — is worked off in
 * bounded passes rather than at once: while passes keep finding jobs, the next follows after a
 * second.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../lifecycle/lifecycle.js';

/** Pause between passes while a backlog is being pruned. */
const BACKLOG_PAUSE_MS = 1000;

export class RetentionPruner implements Closeable {
  readonly #store: Store;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #everyMs: number;
  readonly #lifecycle: Lifecycle;
  #timer: NodeJS.Timeout | undefined;
  #passing: Promise<void> | undefined;

  constructor(store: Store, retentionMs: number, logger: Logger) {
    this.#store = store;
    this.#retentionMs = retentionMs;
    this.#logger = logger;
    this.#lifecycle = new Lifecycle((stage, error) => {
      logger.error({ err: error, stage }, `closing the retention pruner: ${stage} failed`);
    });
    // Prune ten times per retention period, but at least hourly and at most every second.
    this.#everyMs = Math.min(3_600_000, Math.max(1000, Math.floor(retentionMs / 10)));
    this.#schedule(this.#everyMs);
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Stops the timer and waits for a pass in progress, so the store can close after it. */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'timer',
        run: () => {
          clearTimeout(this.#timer);
        },
      },
      { name: 'pass in progress', run: () => this.#passing },
    ]);
  }

  #schedule(ms: number): void {
    if (!this.#lifecycle.running) return;
    this.#timer = setTimeout(() => {
      this.#passing = this.#pass().finally(() => {
        this.#passing = undefined;
      });
    }, ms).unref();
  }

  async #pass(): Promise<void> {
    let count = 0;
    try {
      count = await this.#store.prune(new Date(Date.now() - this.#retentionMs));
      if (count > 0) this.#logger.info({ count }, 'pruned finished jobs');
    } catch (error) {
      this.#logger.error({ err: error }, 'pruning finished jobs failed');
    }
    this.#schedule(count > 0 ? Math.min(BACKLOG_PAUSE_MS, this.#everyMs) : this.#everyMs);
  }
}
