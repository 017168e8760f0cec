/**
 * Every failure the SDK reports is a ClientError. When the server answered, `code` is its
 * catalogue code (docs/errors.md) and `problem` the problem document it sent; when it could not
 * be reached or answered something that is not this API, `code` says so instead.
 */
import type { ErrorCode } from '../model/errors/catalogue.js';
import type { ProblemDocument } from '../model/errors/problem-document.js';

export type ClientErrorCode =
  | ErrorCode
  /** No answer: connection refused or dropped, DNS, timeout. */
  | 'network_error'
  /** An answer that is not this API's (a proxy's HTML page, a body that is not JSON). */
  | 'unexpected_response';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** The HTTP status, when there was an HTTP answer. */
  readonly status: number | undefined;
  /** The server's problem document, when it sent one. */
  readonly problem: ProblemDocument | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    details: { status?: number; problem?: ProblemDocument; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ClientError';
    this.code = code;
    this.status = details.status;
    this.problem = details.problem;
  }
}

export function isClientError(error: unknown): error is ClientError {
  return error instanceof ClientError;
}

/** The server's answer will not change by retrying (4xx but not 408/429). */
export function isPermanent(error: unknown): boolean {
  if (!isClientError(error) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}

export function isProblemDocument(value: unknown): value is ProblemDocument {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.code === 'string' && typeof record.status === 'number';
}
