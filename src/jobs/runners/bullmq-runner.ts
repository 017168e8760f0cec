/**
 * Worker side of the BullMQ queue: a BullMQ Worker hands jobs over and the JobExecutor runs
 * them, as in embedded mode. BullMQ brings what a distributed queue needs: a lock per active
 * job, renewed while the worker lives; a job whose worker died is found "stalled" after the
 * lock expires (--stall-timeout) and offered to another worker.
 *
 * Our job store stays the source of truth. A job that arrives already `running` was started by
 * a worker that died: it is recorded as `requeued` (reason "worker-lost"), so clients see
 * progress restart with an explicit event, then started again — or failed as `interrupted`
 * once it was started --max-attempts times. At shutdown, jobs still running after the grace
 * period are handed back: recorded `requeued` and moved back to BullMQ's wait list.
 *
 * Retries and delays: the store decides a retry (retry-decision.ts) and records the due time;
 * this worker then moves the same BullMQ job to BullMQ's delayed set until then. A job handed
 * over before its due time (an extra enqueue by the outbox reconciler) is delayed again.
 *
 * Per-type concurrency: a job of a type with a `concurrency` starts only while the type has a
 * free slot across every worker; otherwise it is parked until a job of its type ends
 * (bullmq-type-slots.ts).
 */
import { DelayedError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import type { Logger } from 'pino';
import {
  interrupted,
  INTERRUPTED_MESSAGE,
  JobExecutor,
  mayRunAgain,
  type ExecutorOptions,
} from './job-executor.js';
import { isAppError } from '../../model/errors/app-error.js';
import { isTerminal, type Job } from '../../model/job.js';
import { Lifecycle, type LifecycleState } from '../../lifecycle/lifecycle.js';
import type { Unsubscribe } from '../../store/store.js';
import type { JobRunner } from './runner.js';
import { QUEUE_NAME, bullmqPrefix, type QueuedJobData } from './bullmq-dispatcher.js';
import { BullmqTypeSlots } from './bullmq-type-slots.js';

export interface BullmqRunnerOptions extends ExecutorOptions {
  url: string;
  storePrefix: string;
  concurrency: number;
  maxAttempts: number;
  /** How long a worker may stay silent before its jobs are offered to another worker. */
  stallTimeoutMs: number;
  /** The deployment's clock (Redis's), to tell whether a job is due yet (default Date.now). */
  clock?: () => number;
}

const WORKER_LOST = 'the worker running the job stopped responding';

export class BullmqRunner implements JobRunner {
  readonly #options: BullmqRunnerOptions;
  readonly #executor: JobExecutor;
  readonly #log: Logger;
  readonly #lifecycle: Lifecycle;
  readonly #slots: BullmqTypeSlots;
  #worker: Worker<QueuedJobData> | undefined;
  #starting: Promise<void> | undefined;
  #unsubscribeFaults: Unsubscribe | undefined;

  constructor(options: BullmqRunnerOptions) {
    this.#options = options;
    this.#executor = new JobExecutor(options);
    this.#log = options.logger.child({ component: 'bullmq-runner' });
    this.#slots = new BullmqTypeSlots({ ...options, clock: options.clock ?? Date.now });
    this.#lifecycle = new Lifecycle((stage, error) => {
      this.#log.error({ err: error, stage }, `closing the BullMQ runner: ${stage} failed`);
    });
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  get activeCount(): number {
    return this.#executor.activeCount;
  }

  start(): Promise<void> {
    if (this.#starting) throw new Error('the runner was already started');
    if (!this.#lifecycle.running) throw new Error('the runner is closed');
    this.#starting = this.#startWorker();
    return this.#starting;
  }

  async #startWorker(): Promise<void> {
    const { url, storePrefix, concurrency, stallTimeoutMs, maxAttempts } = this.#options;
    const worker = new Worker<QueuedJobData>(
      QUEUE_NAME,
      (job, token) => this.#process(job, token),
      {
        connection: { url, maxRetriesPerRequest: null },
        prefix: bullmqPrefix(storePrefix),
        concurrency,
        lockDuration: stallTimeoutMs,
        stalledInterval: stallTimeoutMs,
        maxStalledCount: maxAttempts,
        // After a connection error BullMQ waits this long before fetching again (default
        // 15 s): a Redis restart should hold the work up for about a second, not many.
        runRetryDelay: 1000,
        autorun: false,
      },
    );
    worker.on('failed', (job, error) => {
      // BullMQ gives up on a job that stalled too often: make the store agree.
      if (job) void this.#failIfUnfinished(job.data.id, error.message);
    });
    worker.on('error', (error) => {
      this.#log.warn({ err: error }, 'BullMQ worker error (it reconnects by itself)');
    });
    // Redis lost the data this process knew: take no more jobs (their records are gone).
    this.#unsubscribeFaults = this.#options.store.subscribeFaults?.((error) => {
      this.#log.error(
        { err: error },
        'the job store lost its data; this worker takes no more jobs',
      );
      void worker.pause(true).catch(() => undefined);
    });
    this.#worker = worker;
    this.#slots.attach(worker);
    void worker.run();
    await worker.waitUntilReady();
  }

  close(graceMs = 0): Promise<void> {
    return this.#lifecycle.close(() => [
      // start() set #worker before its first await, so a close during start stops it too.
      { name: 'fault subscription', run: () => this.#unsubscribeFaults?.() },
      // Stop fetching; running jobs go on.
      { name: 'fetching', run: () => this.#worker?.pause(true) },
      { name: 'running jobs', run: () => this.#executor.close(graceMs) },
      // Waits for the processors, which give handed-back jobs to BullMQ's wait list.
      { name: 'bullmq worker', run: () => this.#worker?.close() },
    ]);
  }

  async #process(bullJob: BullJob<QueuedJobData>, token: string | undefined): Promise<void> {
    const { recovery } = this.#options;
    if (!this.#lifecycle.running) {
      // Fetched while close() paused the worker: back to the queue, the store untouched.
      await bullJob.moveToWait(token);
      throw new WaitingError();
    }
    const job = await this.#start(bullJob.data.id).catch(async (error: unknown) => {
      // The store could not be read or written (Redis restarting): the job must neither be
      // completed in BullMQ nor failed for it. Hand it back; if even that fails, BullMQ finds
      // it stalled once its lock expires and offers it again.
      this.#log.warn(
        { jobId: bullJob.data.id, err: error },
        'job store unavailable: job handed back',
      );
      await bullJob.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    });
    if (!job) return;
    if (job === 'full') {
      // Its type has no free slot: back to BullMQ untouched, until a job of the type ends.
      // (A BullMQ job is named after its type: bullmq-dispatcher.ts.)
      await this.#slots.park(bullJob, token, bullJob.name);
      throw new DelayedError();
    }
    if (job.status === 'queued' && job.runAt !== undefined) {
      await bullJob.moveToDelayed(Date.parse(job.runAt), token);
      throw new DelayedError();
    }
    const { end, retryAt } = await this.#executor.run(job);
    this.#slots.released(job.type);
    if (retryAt !== undefined) {
      // The store scheduled a retry: BullMQ holds the job until it is due.
      await bullJob.moveToDelayed(retryAt, token);
      throw new DelayedError();
    }
    if (end === 'shutdown' && recovery === 'requeue') {
      // Recorded as requeued by the executor; give BullMQ the job back for another worker.
      await bullJob.moveToWait(token);
      throw new WaitingError();
    }
  }

  /**
   * Moves the stored job to running (after recording a lost worker's attempt): the job, or
   * undefined when there is nothing to run, the stored job still `queued` when it is not due
   * yet, or `full` when its type has no free slot. Rejects when the store cannot be reached.
   */
  async #start(id: string): Promise<Job | 'full' | undefined> {
    const { store, recovery, maxAttempts, clock = Date.now } = this.#options;
    const stored = await store.get(id);
    if (!stored || isTerminal(stored.status)) return undefined; // canceled while queued, or pruned
    if (stored.status === 'queued' && stored.runAt !== undefined) {
      if (Date.parse(stored.runAt) > clock()) return stored;
    }
    if (stored.status === 'running') {
      const requeue = recovery === 'requeue' && mayRunAgain(stored, maxAttempts);
      this.#log.warn({ jobId: id, attempt: stored.attempt, requeue }, 'job lost its worker');
      await this.#executor.record(
        id,
        requeue ? { kind: 'requeued', reason: 'worker-lost' } : interrupted(WORKER_LOST),
      );
      if (!requeue) {
        this.#slots.released(stored.type);
        return undefined;
      }
    }
    try {
      return await this.#slots.start(id, stored.type);
    } catch (error) {
      // Canceled or pruned between the read and the start: nothing to run.
      const gone = ['illegal_transition', 'job_not_found'];
      if (isAppError(error) && gone.includes(error.code)) return undefined;
      throw error;
    }
  }

  async #failIfUnfinished(id: string, reason: string): Promise<void> {
    const job = await this.#options.store.get(id);
    if (!job || isTerminal(job.status)) return;
    this.#log.warn({ jobId: id, reason }, 'BullMQ failed the job; recording it');
    await this.#executor.record(
      id,
      interrupted(job.status === 'running' ? WORKER_LOST : INTERRUPTED_MESSAGE),
    );
    if (job.status === 'running') this.#slots.released(job.type);
  }
}
