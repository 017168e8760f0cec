import type { Closeable } from '../../lifecycle/lifecycle.js';
import type { OutboxEntry } from '../../store/dispatch-outbox.js';

/**
 * Hands a stored job to an external queue (BullMQ in Redis mode). The embedded mode has none:
 * its runner claims queued jobs from the store directly.
 */
export interface JobDispatcher extends Closeable {
  /** Enqueues `job` (due at its `runAt`, in its priority); enqueuing it twice must be harmless. */
  dispatch(job: OutboxEntry): Promise<void>;
}
