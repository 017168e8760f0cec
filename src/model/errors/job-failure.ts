import type { JobFailureCode } from './catalogue.js';

/**
 * Thrown by a job handler to fail its job with a message that is safe to show to clients.
 * Any other error fails the job as `handler_error` with a generic message; its details go to
 * the server log only. `internal` carries such details for the log, never for clients.
 */
export class JobFailure extends Error {
  readonly code: JobFailureCode;
  readonly internal: string | undefined;

  constructor(code: JobFailureCode, message: string, internal?: string) {
    super(message);
    this.name = 'JobFailure';
    this.code = code;
    this.internal = internal;
  }
}
