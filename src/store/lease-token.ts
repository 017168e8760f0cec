/** A lease token: 128 random bits, unguessable, so only the worker it was given to holds it. */
import { randomBytes } from 'node:crypto';

export function newLeaseToken(): string {
  return randomBytes(16).toString('base64url');
}
