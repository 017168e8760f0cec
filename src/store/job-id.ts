/**
 * Job ids are random UUIDs (version 4): 122 random bits, so an id cannot be guessed and can be
 * handed out before anything is stored. Apart from the model because it needs node:crypto, and
 * the model is shared with browsers.
 */
import { randomUUID } from 'node:crypto';

export function newJobId(): string {
  return randomUUID();
}
