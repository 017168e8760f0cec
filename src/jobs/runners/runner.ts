/**
 * The local runner (embedded mode): claims queued jobs from the store up to a concurrency
 * limit and hands each to the JobExecutor. It learns about new work from the bus (`queued` and
 * `requeued` events), never by polling the database. At start it applies the recovery policy
 * to jobs a previous process left running; at close it lets running jobs finish for a grace
 * period, then hands the rest back.
 */
import type { Logger } from 'pino';
import type { WorkerPool } from '../../execution/worker-pool.js';
import type { Store, Unsubscribe } from '../../store/store.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../../lifecycle/lifecycle.js';
import { interrupted, JobExecutor, mayRunAgain, type RecoveryPolicy } from './job-executor.js';
import { isTerminal, type Job } from '../../model/job.js';
import { backoffDelay, type BackoffPolicy } from '../../model/backoff.js';
import type { JobTypeRegistry } from '../registry.js';

export type { RecoveryPolicy } from './job-executor.js';

/** A claim the store refused (a full disk) is tried again after 50 ms, doubling to 1 s. */
const CLAIM_RETRY: BackoffPolicy = { type: 'exponential', delayMs: 50, maxDelayMs: 1000 };

export interface RunnerOptions {
  store: Store;
  registry: JobTypeRegistry;
  pool: WorkerPool;
  logger: Logger;
  /** Jobs running at once in this process. */
  concurrency: number;
  recovery: RecoveryPolicy;
  /**
   * With `requeue`, an interrupted job without attempts of its own that already started this
   * many times is failed instead (poison jobs).
   */
  maxAttempts: number;
}

/** The longest a timer can wait (setTimeout's limit); a later due time is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What the server needs from a runner, whichever queue feeds it. Its lifecycle state is
 * `running` from construction (not closed); start() may be called once, before close().
 */
export interface JobRunner extends Closeable {
  start(): Promise<void>;
  readonly activeCount: number;
  /**
   * Stops taking work, lets running jobs finish for `graceMs`, hands the rest back. Memoised:
   * the first call's grace applies. Before start() it just marks the runner closed.
   */
  close(graceMs?: number): Promise<void>;
}

export class Runner implements JobRunner {
  readonly #options: RunnerOptions;
  readonly #log: Logger;
  readonly #executor: JobExecutor;
  readonly #lifecycle: Lifecycle;
  /** Set by start(); close() waits for it, so recovery never writes to a closed store. */
  #starting: Promise<void> | undefined;
  #started = false;
  #unsubscribe: Unsubscribe | undefined;
  #pumping: Promise<void> | undefined;
  #pumpAgain = false;
  /** Claims the store refused in a row (0 while claims succeed). */
  #claimFailures = 0;
  #claimRetry: NodeJS.Timeout | undefined;
  /** Wakes the runner when the earliest delayed job becomes due. */
  #dueTimer: { at: number; timer: NodeJS.Timeout } | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'runner' });
    this.#executor = new JobExecutor(options);
    this.#lifecycle = new Lifecycle((stage, error) => {
      this.#log.error({ err: error, stage }, `closing the runner: ${stage} failed`);
    });
  }

  start(): Promise<void> {
    if (this.#starting) throw new Error('the runner was already started');
    if (!this.#lifecycle.running) throw new Error('the runner is closed');
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    // With per-type limits, a job ending anywhere (another runner's, a worker's) may free the
    // slot a queued job of its type waits for.
    const limited = Object.keys(this.#options.registry.concurrencyLimits()).length > 0;
    this.#unsubscribe = this.#options.store.subscribe('jobs', (event) => {
      if (event.kind === 'queued' || event.kind === 'requeued' || event.kind === 'retrying') {
        this.#pump();
      } else if (limited && isTerminal(event.status)) {
        this.#pump();
      }
    });
    await this.#recoverInterrupted();
    this.#started = true;
    this.#pump();
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  get activeCount(): number {
    return this.#executor.activeCount;
  }

  close(graceMs = 0): Promise<void> {
    return this.#lifecycle.close(() => [
      { name: 'bus subscription', run: () => this.#unsubscribe?.() },
      {
        name: 'timers',
        run: () => {
          clearTimeout(this.#claimRetry);
          clearTimeout(this.#dueTimer?.timer);
          this.#dueTimer = undefined;
        },
      },
      // Failures of start() are its caller's to report; here it only has to be over.
      { name: 'start', run: () => this.#starting?.catch(() => undefined) },
      // A claim in flight ends as a run (stopped below) or is handed back.
      { name: 'claims in flight', run: () => this.#pumping },
      {
        name: 'running jobs',
        run: () => {
          if (this.#executor.activeCount > 0 && graceMs > 0) {
            this.#log.info(
              { running: this.#executor.activeCount, graceMs },
              'waiting for running jobs to finish before handing them back',
            );
          }
          return this.#executor.close(graceMs);
        },
      },
    ]);
  }

  /** Claims jobs until the concurrency limit is reached or none are due. */
  #pump(): void {
    this.#pumpAgain = true;
    if (this.#pumping) return;
    this.#pumping = this.#claimWhileRequested().finally(() => {
      this.#pumping = undefined;
      // A request that arrived after the loop's last check must not be lost.
      if (this.#pumpAgain && this.#lifecycle.running) this.#pump();
    });
  }

  async #claimWhileRequested(): Promise<void> {
    try {
      while (this.#takePumpRequest()) {
        while (this.#canClaim()) {
          // As many as there are free slots, in one write: one claim per loop turn could not
          // keep a high --concurrency busy under a storm of submits (issue 14, item 7).
          // External types' jobs are for workers over HTTP (they hold leases), not for us.
          const free = this.#options.concurrency - this.#executor.activeCount;
          const { registry, store } = this.#options;
          const { jobs, nextDueAt } = await store.claimNext(
            free,
            registry.externalNames(),
            registry.concurrencyLimits(),
          );
          this.#wakeAt(nextDueAt);
          if (!this.#lifecycle.running) {
            // Closing began while this claim was in flight: give the jobs straight back.
            const handBack = this.#executor.handBack('shutdown');
            await Promise.all(jobs.map((job) => this.#executor.record(job.id, handBack)));
            break;
          }
          for (const job of jobs) this.#launch(job);
          this.#claimFailures = 0;
          if (jobs.length === 0) break;
        }
      }
    } catch (error) {
      // Queued work must not wait for the next submit to be noticed: try again by itself.
      const retryMs = backoffDelay(CLAIM_RETRY, ++this.#claimFailures);
      this.#log.error({ err: error, retryMs }, 'claiming the next job failed');
      clearTimeout(this.#claimRetry);
      this.#claimRetry = setTimeout(() => {
        this.#pump();
      }, retryMs);
      this.#claimRetry.unref();
    }
  }

  #takePumpRequest(): boolean {
    const requested = this.#pumpAgain;
    this.#pumpAgain = false;
    return requested;
  }

  /** Pumps again when the earliest delayed job is due (one timer, for the earliest). */
  #wakeAt(at: number | undefined): void {
    if (at === undefined || !this.#lifecycle.running) return;
    if (this.#dueTimer !== undefined && this.#dueTimer.at <= at) return;
    clearTimeout(this.#dueTimer?.timer);
    const timer = setTimeout(
      () => {
        this.#dueTimer = undefined;
        this.#pump();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
    this.#dueTimer = { at, timer };
  }

  #canClaim(): boolean {
    return (
      this.#started &&
      this.#lifecycle.running &&
      this.#executor.activeCount < this.#options.concurrency
    );
  }

  #launch(job: Job): void {
    void this.#executor.run(job).finally(() => {
      this.#pump();
    });
  }

  async #recoverInterrupted(): Promise<void> {
    const { store, recovery, maxAttempts } = this.#options;
    let cursor: string | undefined;
    do {
      const page = await store.list({ status: 'running', limit: 100, cursor });
      for (const job of page.jobs) {
        // Held by an external worker under a lease: the lease sweeper hands it back if lapsed.
        if (this.#options.registry.isExternal(job.type)) continue;
        const requeue = recovery === 'requeue' && mayRunAgain(job, maxAttempts);
        this.#log.warn(
          { jobId: job.id, attempt: job.attempt, requeue },
          'recovering interrupted job',
        );
        await this.#executor.record(
          job.id,
          requeue ? { kind: 'requeued', reason: 'interrupted' } : interrupted(),
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
}
