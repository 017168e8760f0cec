/**
 * Deletes finished jobs (with their events and idempotency keys) once they are older than the
 * retention period. Runs on a timer that never keeps the process alive.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export class RetentionPruner {
  readonly #timer: NodeJS.Timeout;

  constructor(store: Store, retentionMs: number, logger: Logger) {
    // Prune ten times per retention period, but at least hourly and at most every second.
    const every = Math.min(3_600_000, Math.max(1000, Math.floor(retentionMs / 10)));
    this.#timer = setInterval(() => {
      store.prune(new Date(Date.now() - retentionMs)).then(
        (count) => {
          if (count > 0) logger.info({ count }, 'pruned finished jobs');
        },
        (error: unknown) => {
          logger.error({ err: error }, 'pruning finished jobs failed');
        },
      );
    }, every).unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
