/**
 * Opaque list cursors: base64url of a small JSON object, so clients cannot depend on what is
 * inside and stores can change it. A cursor that does not decode is `invalid_request`.
 */
import { AppError } from '../model/errors/app-error.js';

export function encodeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ before: position })).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'before' in parsed) {
      const { before } = parsed;
      if (typeof before === 'number' && Number.isSafeInteger(before) && before > 0) return before;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_request', 'cursor is not one this server issued', {
    errors: [{ field: 'querystring/cursor', message: 'is not a valid cursor' }],
  });
}
