/**
 * Who is asking. With authentication off, every caller is anonymous and sees every job; with it
 * on, a caller is the name of its key (or its JWT's owner) and sees only the jobs it submitted — on every surface,
 * someone else's job looks exactly like one that does not exist.
 */
import type { Job } from '../model/job.js';
import type { TokenScope } from './token-scope.js';

export interface Caller {
  /** The key's name, or `jwt:<owner claim>` for a JWT; undefined when authentication is off. */
  readonly owner: string | undefined;
  /** What a scoped token may do (auth/token-scope.ts); undefined: all its owner may. */
  readonly scope?: TokenScope;
}

export const ANONYMOUS: Caller = { owner: undefined };

export function canSee(caller: Caller, job: Job): boolean {
  return caller.owner === undefined || job.owner === caller.owner;
}
