/**
 * SQLite's failures of the storage itself, as catalogue errors. A full disk is `storage_full`,
 * any other failure to read or write the file (I/O error, the file vanished or turned
 * read-only, locked by another process past the busy timeout) is `store_unavailable`: both
 * answer 503 with `Retry-After`, never a 500, because the request was fine and nothing was
 * changed — the same request succeeds once the storage does.
 */
import { AppError, isAppError } from '../../model/errors/app-error.js';

/** What `Retry-After` suggests while the storage fails: the write-health probe's period. */
export const STORAGE_RETRY_AFTER_MS = 1000;

/** SQLite result codes (primary, before `_` extensions) that mean "the storage failed". */
const UNAVAILABLE = new Set([
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
]);

function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * The catalogue error for a storage failure, or undefined when `error` is something else (an
 * AppError from the state machine, a constraint, a bug), which is passed on unchanged.
 */
export function storageError(error: unknown): AppError | undefined {
  if (isAppError(error)) return undefined;
  const code = sqliteCode(error);
  if (code === undefined) return undefined;
  const primary = code.split('_', 2).join('_');
  if (primary === 'SQLITE_FULL') {
    return new AppError('storage_full', 'the disk holding the job store is full; retry later', {
      retryAfterMs: STORAGE_RETRY_AFTER_MS,
    });
  }
  if (UNAVAILABLE.has(primary)) {
    return new AppError('store_unavailable', 'the job store cannot write right now; retry later', {
      retryAfterMs: STORAGE_RETRY_AFTER_MS,
    });
  }
  return undefined;
}

/** `error` as its catalogue error when it is a storage failure, else unchanged. */
export function asStorageError(error: unknown): unknown {
  return storageError(error) ?? error;
}
