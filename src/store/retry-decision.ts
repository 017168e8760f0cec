/**
 * The one place that decides whether a failed run is retried, for every way a run can fail
 * (a handler, a timeout, an external worker's `fail`): both stores call it inside their
 * `failed` write, so the rule cannot differ between them or between runners.
 *
 * Retried when the job was running, has attempts left and the failure is not marked
 * `retryable: false`; the wait comes from the job's backoff (model/backoff.ts). A failure of a
 * queued job (its type is gone) or of an interrupted run (recovery already decided) is final.
 */
import { backoffDelay, type BackoffPolicy } from '../model/backoff.js';
import { DEFAULT_BACKOFF } from '../model/queue-options.js';
import type { JobStatus } from '../model/job.js';
import type { JobChange } from './store.js';

export interface RetryState {
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  backoff: BackoffPolicy | undefined;
}

/** The delay (ms) before the retry that `change` turns into, or undefined when it is final. */
export function retryDelay(
  job: RetryState,
  change: JobChange,
  random: () => number = Math.random,
): number | undefined {
  if (change.kind !== 'failed' || change.retryable === false) return undefined;
  if (job.status !== 'running' || job.attempt < 1 || job.attempt >= job.maxAttempts) {
    return undefined;
  }
  return backoffDelay(job.backoff ?? DEFAULT_BACKOFF, job.attempt, random);
}
