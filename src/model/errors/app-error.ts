import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

/** Extra members of a problem document, such as `errors` or `knownTypes`. */
export type ProblemExtensions = Record<string, unknown>;

/**
 * An error whose code is in the catalogue. Its message is written for clients: it must never
 * carry internals (paths outside the data directory, SQL, stack traces).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extensions: ProblemExtensions;

  constructor(code: ErrorCode, detail?: string, extensions: ProblemExtensions = {}) {
    super(detail ?? ERROR_CATALOGUE[code].title);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.extensions = extensions;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
