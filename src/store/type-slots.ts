/**
 * Per-type concurrency at the start of one job (docs/queue.md, "Per-type concurrency"): the
 * BullMQ worker is handed one job at a time, so it cannot use the claim's counting
 * (`claimNext(…, typeLimits)`); it asks the store to start that job only if its type has a
 * free slot, in the same atomic step that marks it running. A job refused for a full type is
 * not touched (no event, no attempt), and in Redis mode it may wait in the type's parking
 * list until a slot frees (`parking`), instead of being fetched again and again.
 */
import type { Job, JobEvent } from '../model/job.js';

export type LimitedStart =
  | { outcome: 'started'; job: Job; event: JobEvent }
  /** `limit` jobs of the type are running: nothing was written. */
  | { outcome: 'full' };

/**
 * Queued jobs waiting for a slot of their type, in claim order (priority, then arrival). The
 * list only says whom to wake: a woken job is started through `start` like any other, and
 * may find the slot taken again, so a wake too many is harmless and a lost one only waits
 * for its caller's fallback.
 */
export interface SlotParking {
  /**
   * Adds the queued job `id` to its type's list (nothing for a job no longer queued), then
   * checks once more for a slot freed meanwhile: the ids to wake now (at most one).
   */
  park(id: string, limit: number): Promise<string[]>;
  /** A job of `type` stopped running: the parked ids to wake for the slot (at most one). */
  release(type: string, limit: number): Promise<string[]>;
}

export interface TypeSlots {
  /**
   * `queued → running` exactly as `update(id, { kind: 'started' })` (attempt + 1, a `started`
   * event), unless `limit` jobs of the job's type are `running` in the store — whoever runs
   * them. Rejects as update does (`job_not_found`, `illegal_transition`).
   */
  start(id: string, limit: number): Promise<LimitedStart>;
  /** Present where a queue hands jobs to workers (Redis mode). */
  readonly parking?: SlotParking;
}
