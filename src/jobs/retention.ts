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

/** Pause between passes while a backlog is being pruned. */
const BACKLOG_PAUSE_MS = 1000;

export class RetentionPruner {
  readonly #store: Store;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Store, retentionMs: number, logger: Logger) {
    this.#store = store;
    this.#retentionMs = retentionMs;
    this.#logger = logger;
    // Prune ten times per retention period, but at least hourly and at most every second.
    this.#everyMs = Math.min(3_600_000, Math.max(1000, Math.floor(retentionMs / 10)));
    this.#schedule(this.#everyMs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#pass(), ms).unref();
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
