/**
 * The engine's side of the worker protocol (docs/workers.md): what an external worker, in any
 * language, may do with the jobs of external job types — claim one under a lease (waiting for
 * one if none is queued), report progress (which renews the lease), complete or fail it. It
 * knows nothing of HTTP; the routes (src/http/routes/workers.ts) are a thin layer over it.
 *
 * A waiting claim costs a place in a queue and one timer (waiting-claims.ts): the process
 * listens to the `jobs` topic once, and each job queued or handed back (in any process, in
 * Redis mode) is offered to the waiting claims oldest first — one claim attempt per job.
 */
import { AppError } from '../../model/errors/app-error.js';
import { isTerminal, type Job } from '../../model/job.js';
import type { LeasedJob } from '../../store/leases.js';
import type { Store } from '../../store/store.js';
import type { JobTypeRegistry } from '../registry.js';
import { LeaseSweeper } from './lease-sweeper.js';
import { WaitingClaims } from './waiting-claims.js';

export interface ExternalWorkersOptions {
  /** How long a lease lasts from its claim or last renewal (`--worker-lease`). */
  leaseMs: number;
  /** A lapsed job is re-queued while its attempt is below this, else failed (recovery policy). */
  requeueBelowAttempt: number;
  /** Told about a lease sweep that failed (the next one retries). */
  onSweepError?: (error: unknown) => void;
}

export interface ClaimRequest {
  /** The worker's name: its key's, or `anonymous` with authentication off. */
  worker: string;
  types: readonly string[];
  /** How long to wait for a job when none is queued; 0 answers at once. */
  waitMs: number;
  /** Aborted when the worker goes away: the wait ends. */
  signal?: AbortSignal;
}

/** A claimed job and its lease, as a worker is told about it. */
export interface Claim {
  job: Job;
  lease: LeaseView;
  /** The job type's time budget (its `timeoutMs`), for the worker to bound itself. */
  timeoutMs: number;
}

export interface LeaseView {
  token: string;
  expiresAt: string;
  durationMs: number;
}

export interface Failure {
  code: string;
  message: string;
  /** False: the job must not be tried again. Default true. */
  retryable?: boolean;
}

export class ExternalWorkers {
  readonly #store: Store;
  readonly #registry: JobTypeRegistry;
  readonly #options: ExternalWorkersOptions;
  readonly #sweeper: LeaseSweeper;
  readonly #waiting: WaitingClaims;
  #unsubscribe: (() => void) | undefined;
  #open = true;

  constructor(store: Store, registry: JobTypeRegistry, options: ExternalWorkersOptions) {
    this.#store = store;
    this.#registry = registry;
    this.#options = options;
    this.#sweeper = new LeaseSweeper(store, { ...options, onError: options.onSweepError });
    this.#waiting = new WaitingClaims((types, worker) =>
      store.claimLeased(types, worker, options.leaseMs, registry.concurrencyLimits()),
    );
  }

  /**
   * One bus subscription for every waiting claim of this process, from the first claim on.
   * With external types that have a concurrency limit, a job that stops running may free the
   * slot a waiting claim needs: the event does not say the job's type, so the job is read
   * (only while claims wait) and, when it is of such a type, offered like an arrival.
   */
  #listen(): void {
    const limits = this.#registry.concurrencyLimits();
    const limited = new Set(this.#registry.externalNames().filter((n) => n in limits));
    this.#unsubscribe ??= this.#store.subscribe('jobs', (event) => {
      if (event.kind === 'queued' || event.kind === 'requeued') {
        this.#waiting.arrived();
      } else if (limited.size > 0 && this.#waiting.size > 0) {
        const ended = isTerminal(event.status) || event.kind === 'retrying';
        if (ended) this.#slotFreed(event.jobId, limited);
      }
    });
  }

  #slotFreed(id: string, limited: ReadonlySet<string>): void {
    void this.#store
      .get(id)
      .then((job) => {
        if (job && limited.has(job.type)) this.#waiting.arrived();
      })
      .catch(() => undefined); // the store is unreachable: the claims' own waits still end
  }

  /** Starts handing back lapsed leases (only where workers are served: the gateways). */
  start(): void {
    this.#sweeper.start();
  }

  /** Claims waiting now (for shutdown: they answer "nothing" at once). */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Ends every waiting claim with nothing; new claims answer `shutting_down`. Idempotent. */
  releaseWaiting(): void {
    this.#open = false;
    this.#waiting.releaseAll();
  }

  /**
   * Releases waiting claims, leaves the bus and stops the sweeper, waiting for a sweep in
   * progress so that the store closes after it. Memoised (the sweeper's close is).
   */
  close(): Promise<void> {
    this.releaseWaiting();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    return this.#sweeper.close();
  }

  /**
   * The oldest queued job of `types` under a new lease, waiting up to `waitMs` for one; undefined
   * when none came. Rejects `unknown_job_type` or `not_external_type` for a type it may not claim.
   */
  async claim(request: ClaimRequest): Promise<Claim | undefined> {
    this.#checkTypes(request.types);
    if (!this.#open) throw new AppError('shutting_down', 'the server is shutting down');
    this.#listen();
    const { types, worker, waitMs, signal } = request;
    const leased = await this.#waiting.claim(types, worker, waitMs, signal);
    return leased && this.#view(leased);
  }

  /**
   * Renews the lease for another `--worker-lease`, recording progress first when given:
   * `lease_lost` when `token` does not hold the job any more, `job_canceled` when it was canceled.
   */
  async progress(
    id: string,
    token: string,
    progress?: { progress: number; data?: unknown },
  ): Promise<{ job: Job; lease: LeaseView }> {
    return this.#view(await this.#store.renewLease(id, token, this.#options.leaseMs, progress));
  }

  /** Records the job's result and releases the lease; refused as `progress` is. */
  complete(id: string, token: string, result: unknown): Promise<Job> {
    return this.#store.completeLeased(id, token, { kind: 'succeeded', result: result ?? null });
  }

  /** Records the failure (the same `failed` change a handler's JobFailure makes). */
  fail(id: string, token: string, failure: Failure): Promise<Job> {
    return this.#store.completeLeased(id, token, {
      kind: 'failed',
      error: { code: failure.code, message: failure.message },
      retryable: failure.retryable ?? true,
    });
  }

  #checkTypes(types: readonly string[]): void {
    for (const type of types) {
      if (this.#registry.get(type) === undefined) {
        const knownTypes = this.#registry.names();
        throw new AppError('unknown_job_type', `unknown job type "${type}"`, { knownTypes });
      }
      if (!this.#registry.isExternal(type)) {
        const externalTypes = this.#registry.externalNames();
        throw new AppError(
          'not_external_type',
          `"${type}" runs inside the server, not in external workers; external types: ${externalTypes.join(', ') || 'none'}`,
          { externalTypes },
        );
      }
    }
  }

  #view(leased: LeasedJob): Claim {
    const type = this.#registry.get(leased.job.type);
    return {
      job: leased.job,
      lease: {
        token: leased.lease.token,
        expiresAt: new Date(leased.lease.expiresAt).toISOString(),
        durationMs: this.#options.leaseMs,
      },
      timeoutMs: type?.timeoutMs ?? 0,
    };
  }
}
