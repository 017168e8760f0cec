import type { JobFailureCode } from './catalogue.js';

/**
 * A failed job's `error.code`: one of the built-in codes (JOB_FAILURE_CATALOGUE) or a job
 * type's own, in snake_case (`exit_code`, `http_status`), so clients can branch on it.
 */
export type FailureCode = JobFailureCode | (string & Record<never, never>);

const CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Marks JobFailure instances across copies of this package: a job-type module may load its own
 * copy (a different install, or the sources next to a build), where `instanceof` would say no.
 */
const BRAND: unique symbol = Symbol.for('backend-patterns.JobFailure');

export interface JobFailureOptions {
  /** Details for the server log, never for clients. */
  internal?: string;
  /**
   * False when another run cannot succeed (invalid input, a missing file): the job fails at
   * once even if it has attempts left. Default true.
   */
  retryable?: boolean;
}

/**
 * Thrown by a job handler to fail its job with a stable code and a message that is safe to
 * show to clients. Any other error fails the job as `handler_error` with a generic message; its
 * details go to the server log only. `internal` (a string, or `options.internal`) carries such
 * details for the log. A job with attempts left is retried after any failure unless it says
 * `retryable: false`.
 */
export class JobFailure extends Error {
  readonly code: FailureCode;
  readonly internal: string | undefined;
  readonly retryable: boolean;
  readonly [BRAND] = true;

  constructor(code: FailureCode, message: string, options?: string | JobFailureOptions) {
    if (!CODE_PATTERN.test(code)) {
      throw new TypeError(`job failure code "${code}" must be snake_case (a-z, 0-9, _), 1–64 long`);
    }
    super(message);
    const { internal, retryable } =
      typeof options === 'string' ? { internal: options } : (options ?? {});
    this.name = 'JobFailure';
    this.code = code;
    this.internal = internal;
    this.retryable = retryable !== false;
  }
}

/** Whether a caught error allows another run (anything but a JobFailure saying it does not). */
export function isRetryable(error: unknown): boolean {
  return !isJobFailure(error) || (error as { retryable?: unknown }).retryable !== false;
}

/** Whether `error` is a JobFailure, from this copy of the package or another. */
export function isJobFailure(error: unknown): error is JobFailure {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[BRAND] === true &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
