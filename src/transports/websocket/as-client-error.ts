import type { Logger } from 'pino';
import { AppError, isAppError } from '../../model/errors/app-error.js';

/** A catalogue error as is; anything else is logged and reported without its details. */
export function asClientError(error: unknown, logger: Logger, context: string): AppError {
  if (isAppError(error)) return error;
  logger.error({ err: error }, context);
  return new AppError('internal_error', 'an unexpected error occurred');
}
