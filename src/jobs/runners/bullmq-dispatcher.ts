/**
 * Gateway side of the BullMQ queue: after a job is stored, it is added to the BullMQ queue
 * under the same id, then taken out of the store's dispatch outbox. BullMQ ignores an add whose
 * job id already exists, which makes a retried submit (Idempotency-Key) and the outbox
 * reconciler (outbox-reconciler.ts) safe. Jobs of external types never enter BullMQ: their
 * workers claim them from the store under a lease (docs/workers.md), so they only leave the
 * outbox.
 */
import { Queue } from 'bullmq';
import type { DispatchOutbox } from '../../store/dispatch-outbox.js';
import type { JobDispatcher } from './job-dispatcher.js';
import type { Job } from '../../model/job.js';
import {
  Lifecycle,
  warnOnStageError,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';

export const QUEUE_NAME = 'jobs';

/** The BullMQ payload: just our id; everything else lives in the job store. */
export interface QueuedJobData {
  id: string;
}

export function bullmqPrefix(storePrefix: string): string {
  return `${storePrefix}bull`;
}

export class BullmqDispatcher implements JobDispatcher {
  readonly #queue: Queue<QueuedJobData>;
  readonly #outbox: DispatchOutbox;
  readonly #isExternal: (type: string) => boolean;
  readonly #lifecycle: Lifecycle;

  constructor(
    url: string,
    storePrefix: string,
    outbox: DispatchOutbox,
    onError: (error: Error) => void,
    isExternal: (type: string) => boolean = () => false,
    onCloseError: StageErrorHandler = warnOnStageError('the BullMQ dispatcher'),
  ) {
    this.#outbox = outbox;
    this.#isExternal = isExternal;
    this.#lifecycle = new Lifecycle(onCloseError);
    this.#queue = new Queue<QueuedJobData>(QUEUE_NAME, {
      connection: { url, maxRetriesPerRequest: 1 },
      prefix: bullmqPrefix(storePrefix),
      defaultJobOptions: {
        // Failures are recorded in the job store; BullMQ only carries the work.
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    });
    this.#queue.on('error', onError);
  }

  async dispatch(job: Pick<Job, 'id' | 'type'>): Promise<void> {
    if (this.#isExternal(job.type)) {
      await this.#outbox.dispatched(job.id);
      return;
    }
    await this.#queue.add(job.type, { id: job.id }, { jobId: job.id });
    // Not awaited, so a submit waits for no extra round trip. If it fails, the job stays in
    // the outbox and is enqueued once more: harmless.
    void this.#outbox.dispatched(job.id).catch(() => undefined);
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  close(): Promise<void> {
    return this.#lifecycle.close(() => [{ name: 'queue', run: () => this.#queue.close() }]);
  }
}
