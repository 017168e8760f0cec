/**
 * Recently read job snapshots, so the short-polling hot path (`GET /jobs/:id`, many clients
 * asking about the same job between its changes) does not read and decode the row every time:
 * `SELECT *` and `jobFromRow` were the largest cost of a status read in our own code (~10 µs of
 * a ~40 µs request; profiled with the status-reads benchmark).
 *
 * Correct only because one process owns the database file (docs/architecture.md) and every
 * change to a job row comes with an event: the store forgets a job as such a change is applied,
 * in the same synchronous flush that commits it and before any of its events is published, so
 * a read never sees anything but the latest committed row. Deletions (retention) forget
 * everything. Snapshots are frozen: callers share them.
 */
import type { Job } from '../../model/job.js';

export class SnapshotCache {
  readonly #max: number;
  readonly #jobs = new Map<string, Job>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  remember(job: Job): Job {
    Object.freeze(job);
    this.#jobs.set(job.id, job);
    // Oldest first out: a bound, not an LRU; a hot job is read again right after.
    if (this.#jobs.size > this.#max) this.#jobs.delete(this.#jobs.keys().next().value ?? '');
    return job;
  }

  forget(id: string): void {
    this.#jobs.delete(id);
  }

  clear(): void {
    this.#jobs.clear();
  }
}
