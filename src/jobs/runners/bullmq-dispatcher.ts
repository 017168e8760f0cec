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
import {
  Lifecycle,
  warnOnStageError,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';
import type { OutboxEntry } from '../../store/dispatch-outbox.js';
import { PRIORITY_MAX } from '../../model/queue-options.js';

export const QUEUE_NAME = 'jobs';

/** The BullMQ payload: just our id; everything else lives in the job store. */
export interface QueuedJobData {
  id: string;
}

export function bullmqPrefix(storePrefix: string): string {
  return `${storePrefix}bull`;
}

/**
 * BullMQ's priority for ours. BullMQ runs lower numbers first (1 is its highest) and jobs with
 * no priority before every prioritized one, so every job gets one: 1 for our PRIORITY_MAX,
 * PRIORITY_MAX - PRIORITY_MIN + 1 for our lowest. Within one priority BullMQ keeps FIFO.
 */
export function bullmqPriority(priority: number): number {
  return PRIORITY_MAX - priority + 1;
}

export class BullmqDispatcher implements JobDispatcher {
  readonly #queue: Queue<QueuedJobData>;
  readonly #outbox: DispatchOutbox;
  readonly #isExternal: (type: string) => boolean;
  readonly #lifecycle: Lifecycle;

  readonly #clock: () => number;

  constructor(
    url: string,
    storePrefix: string,
    outbox: DispatchOutbox,
    onError: (error: Error) => void,
    isExternal: (type: string) => boolean = () => false,
    clock: () => number = Date.now,
    onCloseError: StageErrorHandler = warnOnStageError('the BullMQ dispatcher'),
  ) {
    this.#outbox = outbox;
    this.#isExternal = isExternal;
    this.#clock = clock;
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

  async dispatch(job: OutboxEntry): Promise<void> {
    if (this.#isExternal(job.type)) {
      await this.#outbox.dispatched(job.id);
      return;
    }
    const delay = job.runAt === undefined ? 0 : Date.parse(job.runAt) - this.#clock();
    await this.#queue.add(
      job.type,
      { id: job.id },
      { jobId: job.id, priority: bullmqPriority(job.priority), delay: Math.max(0, delay) },
    );
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
