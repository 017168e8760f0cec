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

/**
 * A page from the `limit + 1` rows a list read newest first: the first `limit`, and a cursor
 * past the last of them when the extra row shows there is more.
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  position: (row: T) => number,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const more = rows.length > limit && last !== undefined;
  return { page, nextCursor: more ? encodeCursor(position(last)) : null };
}
