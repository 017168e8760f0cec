/**
 * Executes jobs that a runner has already moved to `running`: calls the handler (I/O types on
 * the loop, CPU types in the worker pool), records progress in call order and the outcome,
 * and enforces cancellation and the per-type timeout. Both runners use it: the local one
 * (claims from the store) and the BullMQ one (jobs handed over by a BullMQ worker).
 *
 * Stopping a job always means "record the end first, then abort the handler": once a job is
 * recorded as canceled, failed (timeout) or handed back, whatever its handler does later is
 * ignored, so a handler that ignores its AbortSignal cannot change the outcome. Its run stays
 * active until the handler settles, because the work is still going on.
 *
 * Cancellation arrives as the job's terminal event on the bus (DELETE /jobs/:id records it),
 * so it reaches the process that runs the job wherever the request was served.
 *
 * close(graceMs) is its runner's shutdown (the lifecycle contract): running jobs get `graceMs`
 * to finish, the rest are stopped and handed back; a job handed over after close() began is
 * handed back at once instead of started.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isAppError } from '../../model/errors/app-error.js';
import type { WorkerPool } from '../../execution/worker-pool.js';
import { type JobChange, type Store } from '../../store/store.js';
import { jobTopic } from '../../model/topic.js';
import { isTerminal, type Job } from '../../model/job.js';
import { isJobFailure, isRetryable } from '../../model/errors/job-failure.js';
import type { AnyJobType, JobContext } from '../job-type.js';
import type { WorkerTaskRef } from '../../execution/worker-task.js';
import type { JobTypeRegistry } from '../registry.js';
import { ProgressWriter } from './progress-writer.js';
import { backoffDelay, type BackoffPolicy } from '../../model/backoff.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../../lifecycle/lifecycle.js';

/** What happens to a job interrupted by a crash or still running at shutdown. */
export type RecoveryPolicy = 'requeue' | 'fail';

export type StopReason = 'canceled' | 'timeout' | 'shutdown';

/** How a run ended: its handler finished (whatever the outcome), or it was stopped. */
export type RunEnd = 'finished' | StopReason;

export interface RunResult {
  end: RunEnd;
  /** Set when the run failed and the store scheduled a retry: when it is due (ms). */
  retryAt?: number;
}

export interface ExecutorOptions {
  store: Store;
  registry: JobTypeRegistry;
  pool: WorkerPool;
  logger: Logger;
  recovery: RecoveryPolicy;
}

interface ActiveRun {
  readonly job: Job;
  readonly type: AnyJobType;
  readonly controller: AbortController;
  /** Set once the job's end is decided, by its handler ('finished') or by a stop. */
  stopped: RunEnd | undefined;
  retryAt?: number;
}

/** The reason handlers see on their aborted signal. */
export class JobAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(readonly reason: StopReason) {
    super(`job ${reason}`);
  }
}

export const INTERRUPTED_MESSAGE = 'the server stopped while the job was running';

/** An outcome the store refused is written again after 50 ms, doubling to at most 1 s apart. */
const RECORD_RETRY: BackoffPolicy = { type: 'exponential', delayMs: 50, maxDelayMs: 1000 };

export class JobExecutor implements Closeable {
  readonly #options: ExecutorOptions;
  readonly #log: Logger;
  readonly #active = new Map<string, ActiveRun>();
  readonly #settled = new Set<Promise<RunResult>>();
  /** Aborted when the executor stops: outcome writes the storage refuses are retried until then. */
  readonly #stopping = new AbortController();
  readonly #lifecycle: Lifecycle;

  constructor(options: ExecutorOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'executor' });
    this.#lifecycle = new Lifecycle((stage, error) => {
      this.#log.error({ err: error, stage }, `stopping the running jobs: ${stage} failed`);
    });
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** The change that hands an interrupted job back, per the recovery policy. */
  handBack(reason: string): JobChange {
    return this.#options.recovery === 'requeue' ? { kind: 'requeued', reason } : interrupted();
  }

  /**
   * Runs `job` (already recorded as running) to its end; resolves with how it ended. Once
   * close() began, the job is handed back instead ('shutdown').
   */
  run(job: Job): Promise<RunResult> {
    const settled = this.#lifecycle.running ? this.#run(job) : this.#handBackNow(job);
    this.#settled.add(settled);
    void settled.finally(() => this.#settled.delete(settled));
    return settled;
  }

  /** Resolves when every active run has settled, or after `ms`, whichever comes first. */
  async #waitForIdle(ms: number): Promise<void> {
    if (this.#settled.size === 0 || ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.#settled]), timeout]);
    clearTimeout(timer);
  }

  /** Stops every active run for `reason` (recorded first, then aborted). */
  async #stopAll(reason: StopReason): Promise<void> {
    // What is still unrecorded stays `running` in the store, and the next start applies the
    // recovery policy to it: the same outcome as a hand-back.
    this.#stopping.abort();
    await Promise.all([...this.#active.values()].map((run) => this.#stop(run, reason)));
  }

  /** Lets running jobs finish for `graceMs`, then stops and hands back the rest. Memoised. */
  close(graceMs = 0): Promise<void> {
    return this.#lifecycle.close(() => [
      { name: 'running jobs', run: () => this.#waitForIdle(graceMs) },
      { name: 'hand back', run: () => this.#stopAll('shutdown') },
    ]);
  }

  async #handBackNow(job: Job): Promise<RunResult> {
    await this.record(job.id, this.handBack('shutdown'));
    return { end: 'shutdown' };
  }

  async #run(job: Job): Promise<RunResult> {
    const type = this.#options.registry.get(job.type);
    if (!type) {
      this.#log.error({ jobId: job.id, type: job.type }, 'job has an unregistered type');
      await this.record(job.id, {
        kind: 'failed',
        error: { code: 'unknown_job_type', message: `this server has no job type "${job.type}"` },
        retryable: false,
      });
      return { end: 'finished' };
    }
    const run: ActiveRun = { job, type, controller: new AbortController(), stopped: undefined };
    this.#active.set(job.id, run);
    this.#log.debug({ jobId: job.id, type: job.type, attempt: job.attempt }, 'job started');
    // Ended elsewhere (DELETE /jobs/:id) while this process runs it: stop the handler.
    const unsubscribe = this.#options.store.subscribe(jobTopic(job.id), (event) => {
      if (isTerminal(event.status) && run.stopped === undefined) void this.#stop(run, 'canceled');
    });
    try {
      await this.#execute(run);
    } finally {
      unsubscribe();
      this.#active.delete(job.id);
    }
    const end = run.stopped ?? 'finished';
    return run.retryAt === undefined ? { end } : { end, retryAt: run.retryAt };
  }

  async #execute(run: ActiveRun): Promise<void> {
    const { job, type, controller } = run;
    const logger = this.#log.child({ jobId: job.id, type: job.type, attempt: job.attempt });
    const writer = new ProgressWriter(async (percent, data) => {
      await this.record(job.id, { kind: 'progress', progress: percent, data });
    });
    const progress = (percent: number, data?: unknown): Promise<void> =>
      run.stopped === undefined ? writer.report(percent, data) : Promise.resolve();
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
      // Runners never claim external jobs (their workers do, over HTTP): reaching here is a bug.
      const value =
        type.execution === 'cpu'
          ? await runInWorker(type.task, job.input)
          : type.execution === 'io'
            ? await type.handler(job.input, ctx)
            : await Promise.reject(new Error(`"${type.name}" is run by external workers`));
      outcome = { kind: 'succeeded', result: value ?? null };
    } catch (error) {
      // A stopped job's handler is expected to reject (aborted); its outcome is already recorded.
      outcome = run.stopped === undefined ? failureOf(error, logger) : { kind: 'canceled' };
    } finally {
      clearTimeout(timer);
    }
    await writer.settle();
    if (run.stopped !== undefined) return;
    run.stopped = 'finished';
    this.#noteRetry(run, await this.record(job.id, outcome));
  }

  /** A failure the store turned into a retry: remember when it is due (BullMQ delays it). */
  #noteRetry(run: ActiveRun, after: Job | undefined): void {
    if (after?.status === 'queued' && after.runAt !== undefined) {
      run.retryAt = Date.parse(after.runAt);
    }
  }

  /** Records why the job stopped (unless it was ended elsewhere), then aborts its handler. */
  async #stop(run: ActiveRun, reason: StopReason): Promise<void> {
    if (run.stopped !== undefined) return;
    run.stopped = reason;
    run.controller.abort(new JobAbortedError(reason));
    if (reason === 'timeout') {
      const after = await this.record(run.job.id, {
        kind: 'failed',
        error: { code: 'timeout', message: `the job ran longer than ${run.type.timeoutMs} ms` },
      });
      this.#noteRetry(run, after);
    } else if (reason === 'shutdown') {
      await this.record(run.job.id, this.handBack('shutdown'));
    }
  }

  /**
   * Writes a change; one that lost a race (the job was already ended) is dropped quietly.
   * While the store refuses writes (Redis restarting, a full disk), outcomes are retried with
   * backoff (at most a second apart) until they are recorded or the executor stops, so a job
   * does not stay `running` for want of one write; progress updates are not retried (the next
   * one supersedes them).
   */
  async record(jobId: string, change: JobChange): Promise<Job | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#options.store.update(jobId, change)).job;
      } catch (error) {
        if (
          isAppError(error) &&
          (error.code === 'illegal_transition' || error.code === 'job_not_found')
        ) {
          this.#log.debug({ jobId, change: change.kind, err: error }, 'change dropped');
          return undefined;
        }
        const retry =
          isAppError(error) &&
          (error.code === 'store_unavailable' || error.code === 'storage_full') &&
          change.kind !== 'progress' &&
          !this.#stopping.signal.aborted;
        if (!retry) {
          this.#log.error(
            { jobId, change: change.kind, err: error },
            'recording a job change failed',
          );
          return undefined;
        }
        if (attempt === 0) {
          this.#log.warn(
            { jobId, change: change.kind, code: error.code },
            'the store refused a job change; retrying until it is recorded',
          );
        }
        await sleep(backoffDelay(RECORD_RETRY, attempt + 1), undefined, {
          signal: this.#stopping.signal,
        }).catch(() => undefined);
      }
    }
  }
}

/** A crash or lost worker, failed per the recovery policy: final, never retried by the store. */
export function interrupted(message = INTERRUPTED_MESSAGE): JobChange {
  return { kind: 'failed', error: { code: 'interrupted', message }, retryable: false };
}

/**
 * Whether an interrupted run (crash, lost worker) may run again. A job with attempts of its
 * own gets exactly those; one without keeps the server's crash-loop bound, --max-attempts.
 */
export function mayRunAgain(job: Job, maxAttempts: number): boolean {
  return job.attempt < (job.maxAttempts > 1 ? job.maxAttempts : maxAttempts);
}

function failureOf(error: unknown, logger: Logger): JobChange {
  const retryable = isRetryable(error);
  if (isJobFailure(error)) {
    if (error.internal !== undefined) logger.warn({ internal: error.internal }, error.message);
    return { kind: 'failed', error: { code: error.code, message: error.message }, retryable };
  }
  logger.error({ err: error }, 'job handler threw');
  return {
    kind: 'failed',
    error: { code: 'handler_error', message: 'the job failed unexpectedly' },
    retryable,
  };
}
