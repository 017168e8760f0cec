/**
 * Who is asking. With API keys off, every caller is anonymous and sees every job; with them on,
 * a caller is the name of its key and sees only the jobs that key submitted — on every surface,
 * someone else's job looks exactly like one that does not exist.
 */
import type { Job } from '../model/job.js';

export interface Caller {
  /** The key's name; undefined when API keys are off. */
  readonly owner: string | undefined;
}

export const ANONYMOUS: Caller = { owner: undefined };

export function canSee(caller: Caller, job: Job): boolean {
  return caller.owner === undefined || job.owner === caller.owner;
}
