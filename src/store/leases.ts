/**
 * Leases: how an external worker (docs/workers.md) holds a job. Claiming starts the job
 * (`started`, attempt + 1, exactly as a runner's claim) and gives the worker a random token
 * valid until `expiresAt`; every later change the worker asks for must carry the token and
 * arrive before the lease lapses, so a worker that lost its job (it hung, was partitioned, the
 * job was handed back) can never change it. A lapsed lease is handed back by `expireLeases`
 * per the recovery policy. Kept apart from the job columns (own table / hash fields), so the
 * claim path of the runners is untouched.
 */
import { AppError } from '../model/errors/app-error.js';
import type { Job, JobError } from '../model/job.js';

export interface Lease {
  /** Proves the holder; 128 random bits, base64url. */
  token: string;
  /** Who holds it: the worker key's name (or `anonymous` with authentication off). */
  worker: string;
  /** Ms since the epoch, on the store's clock (Redis's in Redis mode). */
  expiresAt: number;
}

export interface LeasedJob {
  job: Job;
  lease: Lease;
}

/**
 * How a worker's job ends: the same `succeeded` and `failed` changes (store.ts's JobChange) the
 * in-process runner records. Spelled out here because store.ts imports this file.
 */
export type LeasedOutcome =
  { kind: 'succeeded'; result: unknown } | { kind: 'failed'; error: JobError; retryable?: boolean };

export interface LeaseStore {
  /**
   * Starts the oldest queued job whose type is one of `types` under a new lease of `leaseMs`,
   * or undefined when none is queued. With `typeLimits`, as in claimNext: a type named there
   * is passed over while that many of its jobs are `running` (counted in the same write).
   */
  claimLeased(
    types: readonly string[],
    worker: string,
    leaseMs: number,
    typeLimits?: Readonly<Record<string, number>>,
  ): Promise<LeasedJob | undefined>;
  /**
   * Extends the lease to `leaseMs` from now, recording `progress` first when given. Rejects
   * `lease_lost` when `token` does not hold the job's live lease (another holder, lapsed,
   * handed back, finished), `job_canceled` when the job was canceled while held, and
   * `job_not_found`.
   */
  renewLease(
    id: string,
    token: string,
    leaseMs: number,
    progress?: { progress: number; data?: unknown },
  ): Promise<LeasedJob>;
  /** Records the worker's outcome and releases the lease; rejects as renewLease does. */
  completeLeased(id: string, token: string, outcome: LeasedOutcome): Promise<Job>;
  /**
   * Hands back every job whose lease lapsed: `requeued` (reason `lease-expired`) or `failed` as
   * `lease_expired`, as lapsedLeaseChange decides from `requeueBelowAttempt` (0: never
   * requeue). Leases of jobs that already ended (canceled) are dropped. Resolves with the ids
   * handed back.
   */
  expireLeases(requeueBelowAttempt: number): Promise<string[]>;
}

/**
 * The change that hands back a job whose lease lapsed, by the runners' recovery rule
 * (jobs/runners/job-executor.ts, mayRunAgain): with the requeue policy
 * (`requeueBelowAttempt` > 0) a job with attempts of its own is re-queued while it has some
 * left, one without while it started fewer than `requeueBelowAttempt` times. Otherwise it fails
 * as `lease_expired`, for good: recovery already decided, so the retry rule must not re-decide.
 * The Redis script (EXPIRE_LEASES_SCRIPT) applies the same rule.
 */
export function lapsedLeaseChange(
  job: { attempt: number; maxAttempts: number },
  requeueBelowAttempt: number,
): { kind: 'requeued'; reason: string } | Extract<LeasedOutcome, { kind: 'failed' }> {
  const limit = job.maxAttempts > 1 ? job.maxAttempts : requeueBelowAttempt;
  return requeueBelowAttempt > 0 && job.attempt < limit
    ? { kind: 'requeued', reason: 'lease-expired' }
    : {
        kind: 'failed',
        error: {
          code: 'lease_expired',
          message: 'the worker holding the job stopped renewing its lease',
        },
        retryable: false,
      };
}

/** The refusal of a change asked for by a worker that no longer holds the job. */
export function leaseLost(id: string): AppError {
  return new AppError(
    'lease_lost',
    `this lease no longer holds job ${id} (it lapsed and was handed back, or the job ended); stop working on it`,
  );
}

/** The refusal that tells a holder its job was canceled. */
export function jobCanceled(id: string): AppError {
  return new AppError('job_canceled', `job ${id} was canceled; stop working on it`);
}
