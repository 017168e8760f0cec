/**
 * Runs queued jobs: claims them from the store up to a concurrency limit, runs each handler
 * (I/O types on the loop, CPU types in the worker pool), records progress and the outcome,
 * and enforces cancellation, per-type timeouts and the recovery policy.
 *
 * Stopping a job always means "record the end first, then abort the handler": once a job is
 * recorded as canceled, failed (timeout) or handed back, whatever its handler does later is
 * ignored, so a handler that ignores its AbortSignal cannot change the outcome. It does keep
 * its concurrency slot until it settles, because the work is still running.
 *
 * Cancellation arrives as a `canceled` event on the bus (DELETE /jobs/:id records it in the
 * store), so it reaches the runner that owns the job wherever the request was served.
 */
import type { Logger } from 'pino';
import { isAppError } from '../errors/app-error.js';
import type { WorkerPool } from '../execution/worker-pool.js';
import type { JobChange, Store, Unsubscribe } from '../store/store.js';
import { isTerminal, type Job, type JobEvent } from './job.js';
import { JobFailure } from './job-failure.js';
import type { AnyJobType, JobContext, WorkerTaskRef } from './job-type.js';
import type { JobTypeRegistry } from './registry.js';

/** What happens to a job found running after a crash, or still running at shutdown. */
export type RecoveryPolicy = 'requeue' | 'fail';

export interface RunnerOptions {
  store: Store;
  registry: JobTypeRegistry;
  pool: WorkerPool;
  logger: Logger;
  /** Jobs running at once in this process. */
  concurrency: number;
  recovery: RecoveryPolicy;
  /** With `requeue`, a job already started this many times is failed instead (poison jobs). */
  maxAttempts: number;
}

type StopReason = 'canceled' | 'timeout' | 'shutdown';

interface ActiveRun {
  readonly job: Job;
  readonly type: AnyJobType;
  readonly controller: AbortController;
  /** Set once the job's end is decided, by its handler ('finished') or by a stop. */
  stopped: StopReason | 'finished' | undefined;
  settled: Promise<void>;
}

/** The reason handlers see on their aborted signal. */
export class JobAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(readonly reason: StopReason) {
    super(`job ${reason}`);
  }
}

const INTERRUPTED_MESSAGE = 'the server stopped while the job was running';

export class Runner {
  readonly #options: RunnerOptions;
  readonly #log: Logger;
  readonly #active = new Map<string, ActiveRun>();
  #state: 'created' | 'running' | 'closing' | 'closed' = 'created';
  #closing: Promise<void> | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #pumping = false;
  #pumpAgain = false;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'runner' });
  }

  /** Applies the recovery policy to jobs left running by a previous process, then starts. */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new Error('the runner was already started');
    this.#unsubscribe = this.#options.store.subscribe('jobs', (event) => {
      this.#onEvent(event);
    });
    await this.#recoverInterrupted();
    this.#state = 'running';
    this.#pump();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /**
   * Stops claiming, gives running jobs `graceMs` to finish, then hands the rest back per the
   * recovery policy (re-queued for the next start, or failed as `interrupted`). Idempotent.
   */
  close(graceMs = 0): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.#state = 'closing';
    this.#unsubscribe?.();
    if (this.#active.size > 0 && graceMs > 0) {
      this.#log.info(
        { running: this.#active.size, graceMs },
        'waiting for running jobs to finish before handing them back',
      );
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([
        Promise.allSettled([...this.#active.values()].map((r) => r.settled)),
        grace,
      ]);
      clearTimeout(timer);
    }
    await Promise.all([...this.#active.values()].map((run) => this.#stop(run, 'shutdown')));
    this.#state = 'closed';
  }

  #onEvent(event: JobEvent): void {
    if (event.kind === 'queued' || event.kind === 'requeued') {
      this.#pump();
      return;
    }
    // Ended elsewhere (DELETE /jobs/:id) while this process runs it: stop the handler.
    const run = this.#active.get(event.jobId);
    if (run && isTerminal(event.status) && run.stopped === undefined) {
      void this.#stop(run, 'canceled');
    }
  }

  /** Claims jobs until the concurrency limit is reached or none are queued. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    this.#pumpAgain = true;
    void (async () => {
      try {
        // Requests that arrive while a claim is in flight set #pumpAgain, so none is lost.
        while (this.#takePumpRequest()) {
          while (this.#canClaim()) {
            const job = await this.#options.store.claimNext();
            if (!job) break;
            this.#launch(job);
          }
        }
      } catch (error) {
        this.#log.error({ err: error }, 'claiming the next job failed');
      } finally {
        this.#pumping = false;
      }
    })();
  }

  #takePumpRequest(): boolean {
    const requested = this.#pumpAgain;
    this.#pumpAgain = false;
    return requested;
  }

  #canClaim(): boolean {
    return this.#state === 'running' && this.#active.size < this.#options.concurrency;
  }

  #launch(job: Job): void {
    const type = this.#options.registry.get(job.type);
    if (!type) {
      this.#log.error({ jobId: job.id, type: job.type }, 'job has an unregistered type');
      void this.#record(job.id, {
        kind: 'failed',
        error: { code: 'unknown_job_type', message: `this server has no job type "${job.type}"` },
      });
      return;
    }
    const run: ActiveRun = {
      job,
      type,
      controller: new AbortController(),
      stopped: undefined,
      settled: Promise.resolve(),
    };
    this.#active.set(job.id, run);
    run.settled = this.#execute(run).finally(() => {
      this.#active.delete(job.id);
      this.#pump();
    });
  }

  async #execute(run: ActiveRun): Promise<void> {
    const { job, type, controller } = run;
    const logger = this.#log.child({ jobId: job.id, type: job.type, attempt: job.attempt });
    let progressWrites = Promise.resolve();
    const progress = (percent: number, data?: unknown): Promise<void> => {
      if (run.stopped !== undefined) return Promise.resolve();
      progressWrites = progressWrites.then(() =>
        this.#record(job.id, { kind: 'progress', progress: percent, data }),
      );
      return progressWrites;
    };
    const runInWorker = (task: WorkerTaskRef, input: unknown) =>
      this.#options.pool.run(task, input, {
        signal: controller.signal,
        onProgress: (percent, data) => void progress(percent, data),
      });
    const ctx: JobContext = {
      jobId: job.id,
      attempt: job.attempt,
      signal: controller.signal,
      logger,
      progress,
      runInWorker,
    };
    const timer = setTimeout(() => void this.#stop(run, 'timeout'), type.timeoutMs);
    let outcome: JobChange;
    try {
      const value =
        type.execution === 'cpu'
          ? await runInWorker(type.task, job.input)
          : await type.handler(job.input, ctx);
      outcome = { kind: 'succeeded', result: value ?? null };
    } catch (error) {
      // A stopped job's handler is expected to reject (aborted); its outcome is already recorded.
      outcome = run.stopped === undefined ? failureOf(error, logger) : { kind: 'canceled' };
    } finally {
      clearTimeout(timer);
    }
    await progressWrites;
    if (run.stopped !== undefined) return;
    run.stopped = 'finished';
    await this.#record(job.id, outcome);
  }

  /** Records why the job stopped (unless it was ended elsewhere), then aborts its handler. */
  async #stop(run: ActiveRun, reason: StopReason): Promise<void> {
    if (run.stopped !== undefined) return;
    run.stopped = reason;
    run.controller.abort(new JobAbortedError(reason));
    if (reason === 'timeout') {
      await this.#record(run.job.id, {
        kind: 'failed',
        error: { code: 'timeout', message: `the job ran longer than ${run.type.timeoutMs} ms` },
      });
    } else if (reason === 'shutdown') {
      await this.#record(run.job.id, this.#handBack());
    }
  }

  #handBack(): JobChange {
    return this.#options.recovery === 'requeue'
      ? { kind: 'requeued', reason: 'shutdown' }
      : { kind: 'failed', error: { code: 'interrupted', message: INTERRUPTED_MESSAGE } };
  }

  async #recoverInterrupted(): Promise<void> {
    const { store, recovery, maxAttempts } = this.#options;
    let cursor: string | undefined;
    do {
      const page = await store.list({ status: 'running', limit: 100, cursor });
      for (const job of page.jobs) {
        const requeue = recovery === 'requeue' && job.attempt < maxAttempts;
        this.#log.warn(
          { jobId: job.id, attempt: job.attempt, requeue },
          'recovering interrupted job',
        );
        await this.#record(
          job.id,
          requeue
            ? { kind: 'requeued', reason: 'interrupted' }
            : { kind: 'failed', error: { code: 'interrupted', message: INTERRUPTED_MESSAGE } },
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Writes a change; one that lost a race (the job was already ended) is dropped quietly. */
  async #record(jobId: string, change: JobChange): Promise<void> {
    try {
      await this.#options.store.update(jobId, change);
    } catch (error) {
      if (
        isAppError(error) &&
        (error.code === 'illegal_transition' || error.code === 'job_not_found')
      ) {
        this.#log.debug({ jobId, change: change.kind, err: error }, 'change dropped');
        return;
      }
      this.#log.error({ jobId, change: change.kind, err: error }, 'recording a job change failed');
    }
  }
}

function failureOf(error: unknown, logger: Logger): JobChange {
  if (error instanceof JobFailure) {
    if (error.internal !== undefined) logger.warn({ internal: error.internal }, error.message);
    return { kind: 'failed', error: { code: error.code, message: error.message } };
  }
  logger.error({ err: error }, 'job handler threw');
  return {
    kind: 'failed',
    error: { code: 'handler_error', message: 'the job failed unexpectedly' },
  };
}
