/**
 * How a receiver checks a Standard Webhooks signature with nothing but node:crypto — written
 * from the specification, independently of the `standardwebhooks` package the server signs
 * with, so a test that passes both proves the wire format, not one library agreeing with itself.
 *
 *   signed content:  "<webhook-id>.<webhook-timestamp>.<raw body>"
 *   key:             the bytes after `whsec_`, base64-decoded
 *   signature:       "v1," + base64(HMAC-SHA256(key, signed content)); several, space-separated
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true; id: string } | { ok: false; reason: string };

/** Five minutes either way, the specification's suggestion: older is a replay, newer a skew. */
export const TOLERANCE_SECONDS = 300;

export function verifySignature(
  secrets: readonly string[],
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Verdict {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook headers' };
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt)) return { ok: false, reason: 'malformed webhook-timestamp' };
  if (Math.abs(nowSeconds - sentAt) > TOLERANCE_SECONDS) {
    return { ok: false, reason: `stale timestamp (${nowSeconds - sentAt} s old)` };
  }
  const given = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const secret of secrets) {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
    if (given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) {
      return { ok: true, id };
    }
  }
  return { ok: false, reason: 'no signature matches' };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}
