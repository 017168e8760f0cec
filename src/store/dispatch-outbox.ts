/**
 * The dispatch outbox of a store that hands jobs to an external queue (Redis mode): every job
 * is written to it in the same atomic step that stores it, and leaves it once the queue has it
 * (or it stops being queued). A reconciler re-enqueues what stays there — so a submit whose
 * enqueue failed, or a process killed between storing and enqueuing, cannot leave a job
 * `queued` in the store and absent from the queue for longer than a few seconds.
 */
import type { Job } from '../model/job.js';

/** What the queue needs to know of a job: its id, type, priority and due time. */
export type OutboxEntry = Pick<Job, 'id' | 'type' | 'priority' | 'runAt'>;

export interface DispatchOutbox {
  /**
   * Queued jobs whose enqueue was not confirmed within `graceMs` (at most `limit`). Each is
   * handed to one caller per `graceMs`, so reconcilers in several processes do not pile up.
   */
  due(graceMs: number, limit: number): Promise<OutboxEntry[]>;
  /** The queue has the job: it leaves the outbox. */
  dispatched(id: string): Promise<void>;
}
