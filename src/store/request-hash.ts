/**
 * A stable fingerprint of a submit request, so an Idempotency-Key replayed with different
 * content can be told apart from a true retry. Object keys are sorted: `{a,b}` and `{b,a}`
 * are the same request.
 */
import { createHash } from 'node:crypto';

export function requestHash(type: string, input: unknown): string {
  return createHash('sha256').update(canonicalJson({ type, input })).digest('base64url');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}
