/**
 * Group commit for the SQLite store. Writes requested during one turn of the event loop are
 * applied in ONE transaction, each inside its own savepoint (so one failing write does not undo
 * the others), committed once, and only then are their events published and their promises
 * resolved, in request order.
 *
 * Why: a commit has a fixed cost (writing the WAL frames of every touched page, and an fsync
 * with `synchronous = FULL`). Fifty concurrent submits used to pay it fifty times; now they
 * share it. Nothing is acknowledged before its commit, so durability is unchanged, and a
 * batch is capped so one flush never holds the event loop for long.
 */
import type { Database } from 'better-sqlite3';
import type { JobEvent } from '../../model/job.js';

export interface WriteOutcome<T> {
  value: T;
  /** Events to publish once the write is committed. */
  events: JobEvent[];
}

interface PendingWrite {
  apply: () => WriteOutcome<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Applied = { ok: true; outcome: WriteOutcome<unknown> } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #db: Database;
  readonly #publish: (event: JobEvent) => void;
  readonly #maxBatch: number;
  readonly #inSavepoint: (apply: () => WriteOutcome<unknown>) => WriteOutcome<unknown>;
  #queue: PendingWrite[] = [];
  #scheduled = false;

  constructor(db: Database, publish: (event: JobEvent) => void, maxBatch = 256) {
    this.#db = db;
    this.#publish = publish;
    this.#maxBatch = maxBatch;
    // Called inside the batch transaction, better-sqlite3 runs this as a SAVEPOINT.
    this.#inSavepoint = db.transaction((apply: () => WriteOutcome<unknown>) => apply());
  }

  /** Queues a write for the next group commit; resolves with its value once committed. */
  write<T>(apply: () => WriteOutcome<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commits everything queued now (also called before the database closes). */
  flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#commit(batch);
      if (this.#queue.length > 0 && !this.#scheduled) {
        // Yield to the loop between batches instead of committing everything in one go.
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.flush();
        });
        return;
      }
    }
  }

  #commit(batch: PendingWrite[]): void {
    const applied: Applied[] = [];
    try {
      this.#db
        .transaction(() => {
          for (const write of batch) {
            try {
              applied.push({ ok: true, outcome: this.#inSavepoint(write.apply) });
            } catch (error) {
              applied.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): none of these writes happened.
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const result = applied[i];
      if (!result) return;
      if (!result.ok) {
        write.reject(result.error);
        return;
      }
      for (const event of result.outcome.events) this.#publish(event);
      write.resolve(result.outcome.value);
    });
  }
}
