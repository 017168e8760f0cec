/**
 * Per-type concurrency for the jobs a BullMQ worker is handed (docs/queue.md, "Per-type
 * concurrency"). BullMQ's open-source queue has no per-group limit, so the check is ours: the
 * store starts a job only while its type has a free slot, in the same atomic step that marks
 * it running (store/type-slots.ts), which holds across every worker process on one Redis.
 *
 * A job whose type is full is handed back to BullMQ untouched (no event, no attempt): moved to
 * BullMQ's delayed set, then parked in the store's list for its type. When a job of the type
 * stops running here, the head of that list is promoted in BullMQ at once, so a parked job
 * waits for the slot, not for a timer. Parking happens after the move, and looks for a slot
 * once more (a slot freed in between would wake nobody). The delay of the move is only the
 * fallback for a wake that never came (a process died between a job's end and its wake-up):
 * exponential per hand-over, jittered, so a long queue of parked jobs costs little.
 */
import { Job as BullJob, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffPolicy } from '../../model/backoff.js';
import type { Job } from '../../model/job.js';
import type { Store } from '../../store/store.js';
import type { JobTypeRegistry } from '../registry.js';
import type { QueuedJobData } from './bullmq-dispatcher.js';

/** A parked job is fetched again after 1 s, 2 s, 4 s … (its hand-overs), at most 30 s apart. */
export const PARKED_FALLBACK: BackoffPolicy = {
  type: 'exponential',
  delayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0.5,
};

export interface BullmqTypeSlotsOptions {
  store: Store;
  registry: JobTypeRegistry;
  logger: Logger;
  /** The deployment's clock (Redis's), for BullMQ's delayed set. */
  clock: () => number;
}

export class BullmqTypeSlots {
  readonly #options: BullmqTypeSlotsOptions;
  #worker: Worker<QueuedJobData> | undefined;

  constructor(options: BullmqTypeSlotsOptions) {
    this.#options = options;
  }

  /** The worker whose queue parked jobs are promoted in. */
  attach(worker: Worker<QueuedJobData>): void {
    this.#worker = worker;
  }

  /**
   * Starts the stored job (queued → running): within its type's limit when it has one, then
   * `full` when no slot is free. Rejects as store.update does.
   */
  async start(id: string, type: string): Promise<Job | 'full'> {
    const { store } = this.#options;
    const limit = this.#limit(type);
    if (limit === undefined) return (await store.update(id, { kind: 'started' })).job;
    const started = await store.typeSlots.start(id, limit);
    return started.outcome === 'full' ? 'full' : started.job;
  }

  /**
   * Hands a job refused for a full type back to BullMQ and parks it; the caller then throws
   * BullMQ's DelayedError, as after any moveToDelayed.
   */
  async park(bullJob: BullJob<QueuedJobData>, token: string | undefined, type: string) {
    const { store, clock, logger } = this.#options;
    const limit = this.#limit(type);
    const handOvers = Math.max(1, bullJob.attemptsStarted);
    await bullJob.moveToDelayed(clock() + backoffDelay(PARKED_FALLBACK, handOvers), token);
    const parking = store.typeSlots.parking;
    if (limit === undefined || parking === undefined) return;
    try {
      await this.#wake(await parking.park(bullJob.data.id, limit));
    } catch (error) {
      // Not parked: the fallback delay brings it back.
      logger.warn({ err: error, jobId: bullJob.data.id }, 'parking a job failed');
    }
  }

  /** A job of `type` stopped running in this process: wake the next parked one, if any. */
  released(type: string): void {
    const limit = this.#limit(type);
    const parking = this.#options.store.typeSlots.parking;
    if (limit === undefined || parking === undefined) return;
    void parking
      .release(type, limit)
      .then((ids) => this.#wake(ids))
      .catch((error: unknown) => {
        this.#options.logger.warn({ err: error, type }, 'waking a parked job failed');
      });
  }

  #limit(type: string): number | undefined {
    return this.#options.registry.concurrencyOf(type);
  }

  /** Promotes parked jobs in BullMQ: out of the delayed set, into the wait list at once. */
  async #wake(ids: readonly string[]): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    for (const id of ids) {
      try {
        const job = await BullJob.fromId<QueuedJobData>(worker, id);
        await job?.promote();
      } catch (error) {
        // Fetched meanwhile (its fallback came due): it starts or parks by itself.
        this.#options.logger.debug({ err: error, jobId: id }, 'a parked job was not delayed');
      }
    }
  }
}
