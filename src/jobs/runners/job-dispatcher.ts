import type { Job } from '../../model/job.js';
import type { Closeable } from '../../lifecycle/lifecycle.js';

/**
 * Hands a stored job to an external queue (BullMQ in Redis mode). The embedded mode has none:
 * its runner claims queued jobs from the store directly.
 */
export interface JobDispatcher extends Closeable {
  /** Enqueues `job`; enqueuing the same job twice must be harmless. */
  dispatch(job: Pick<Job, 'id' | 'type'>): Promise<void>;
}
