/**
 * How a job waits and retries — chosen per submit, defaulted per job type: how many runs it
 * may have (`attempts`), the wait between them (`backoff`), its place in the queue
 * (`priority`) and when it may first run (`delayMs` / `runAt`). The bounds are here so that the
 * HTTP schema, the engine, the CLI and the SDK check the same numbers.
 */
import { backoffPolicyProblem, type BackoffPolicy } from './backoff.js';

/** Priorities run from -1000 to 1000; higher runs first, equal ones in arrival order. */
export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;
export const DEFAULT_PRIORITY = 0;

/** Runs a job may have in all (1 = no retries, the default). */
export const MAX_ATTEMPTS = 100;
export const DEFAULT_ATTEMPTS = 1;

/** The longest a job may be delayed: 366 days. */
export const MAX_DELAY_MS = 366 * 24 * 3600 * 1000;

/** The wait between runs when neither the submit nor the job type names one. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  type: 'exponential',
  delayMs: 1000,
  maxDelayMs: 5 * 60_000,
  jitter: 0.2,
};

export interface QueueOptions {
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
  /** Wait this long (ms) before the first run. */
  delayMs?: number;
}

/** Why `options` cannot be used, naming the field, or undefined when they are valid. */
export function queueOptionsProblem(options: QueueOptions): string | undefined {
  const { attempts, backoff, priority, delayMs } = options;
  if (attempts !== undefined && !isIntegerIn(attempts, 1, MAX_ATTEMPTS))
    return `attempts must be an integer from 1 to ${MAX_ATTEMPTS}`;
  if (priority !== undefined && !isIntegerIn(priority, PRIORITY_MIN, PRIORITY_MAX))
    return `priority must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`;
  if (
    delayMs !== undefined &&
    !(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)
  )
    return `delay must be from 0 to ${MAX_DELAY_MS} ms (366 days)`;
  if (backoff !== undefined) return backoffPolicyProblem(backoff);
  return undefined;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
