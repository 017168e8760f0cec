/**
 * Group commit for the SQLite store. Writes requested during one turn of the event loop are
 * applied in ONE transaction, each inside its own savepoint (so one failing write does not undo
 * the others), committed once, and only then are their promises resolved, in request order,
 * and their events handed on for publishing.
 *
 * Why: a commit has a fixed cost (writing the WAL frames of every touched page, and an fsync
 * with `synchronous = FULL`). Fifty concurrent submits used to pay it fifty times; now they
 * share it. Nothing is acknowledged before its commit, so durability is unchanged, and a
 * batch is capped so one flush never holds the event loop for long.
 *
 * A failing storage (disk full, I/O error) fails the batch as a whole, cleanly: SQLite may roll
 * the whole transaction back by itself when a statement hits a full disk, and the savepoints
 * after it would then run outside any transaction, each committing on its own while the batch
 * reports failure — a claim "failed" whose job is in fact running. So after a write fails the
 * batch checks the transaction is still open and gives up on every write if it is not; every
 * write of a failed batch is rejected with the same catalogue error (storage-error.ts).
 */
import type { Database } from 'better-sqlite3';
import type { JobEvent } from '../../model/job.js';
import { asStorageError, storageError } from './storage-error.js';

export interface WriteOutcome<T> {
  value: T;
  /** Events to publish once the write is committed. */
  events: JobEvent[];
}

export interface GroupCommitHooks {
  /** The committed batch's events, in commit order (called after its promises resolve). */
  publish(events: JobEvent[]): void;
  /** A batch committed (true), or the storage failed it or one of its writes (false). */
  onCommit(ok: boolean, error?: unknown): void;
}

interface PendingWrite {
  apply: () => WriteOutcome<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Applied = { ok: true; outcome: WriteOutcome<unknown> } | { ok: false; error: unknown };

/** Thrown inside the batch when SQLite already rolled its transaction back. */
class TransactionLost extends Error {
  constructor(override readonly cause: unknown) {
    super('the transaction was rolled back by SQLite');
  }
}

export class GroupCommit {
  readonly #db: Database;
  readonly #hooks: GroupCommitHooks;
  readonly #maxBatch: number;
  readonly #inSavepoint: (apply: () => WriteOutcome<unknown>) => WriteOutcome<unknown>;
  #queue: PendingWrite[] = [];
  #scheduled = false;

  constructor(db: Database, hooks: GroupCommitHooks, maxBatch = 256) {
    this.#db = db;
    this.#hooks = hooks;
    this.#maxBatch = maxBatch;
    // Called inside the batch transaction, better-sqlite3 runs this as a SAVEPOINT.
    this.#inSavepoint = db.transaction((apply: () => WriteOutcome<unknown>) => apply());
  }

  /** Writes queued for the next group commit (the bus paces its fan-out only while some wait). */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues a write for the next group commit; resolves with its value once committed. */
  write<T>(apply: () => WriteOutcome<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Commits everything queued now (also called before the database closes). */
  flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#commit(batch);
      if (this.#queue.length > 0) {
        // Yield to the loop between batches instead of committing everything in one go.
        this.#schedule();
        return;
      }
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  #commit(batch: PendingWrite[]): void {
    const applied: Applied[] = [];
    let storageFailure: unknown;
    try {
      this.#db
        .transaction(() => {
          for (const write of batch) {
            try {
              applied.push({ ok: true, outcome: this.#inSavepoint(write.apply) });
            } catch (error) {
              if (!this.#db.inTransaction) throw new TransactionLost(error);
              const failure = storageError(error);
              if (failure) storageFailure = failure;
              applied.push({ ok: false, error: failure ?? error });
            }
          }
        })
        .immediate();
    } catch (thrown) {
      // The commit failed (disk full, I/O error), or SQLite rolled the transaction back:
      // none of these writes happened.
      const error = asStorageError(thrown instanceof TransactionLost ? thrown.cause : thrown);
      this.#hooks.onCommit(false, error);
      for (const write of batch) write.reject(error);
      return;
    }
    this.#hooks.onCommit(storageFailure === undefined, storageFailure);
    const events: JobEvent[] = [];
    batch.forEach((write, i) => {
      const result = applied[i];
      if (!result) return;
      if (!result.ok) {
        write.reject(result.error);
        return;
      }
      events.push(...result.outcome.events);
      write.resolve(result.outcome.value);
    });
    if (events.length > 0) this.#hooks.publish(events);
  }
}
