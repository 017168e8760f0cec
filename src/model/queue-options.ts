/**
 * How a job waits and retries — chosen per submit, defaulted per job type: how many runs it
 * may have (`attempts`), the wait between them (`backoff`), its place in the queue
 * (`priority`) and when it may first run (`delayMs` / `runAt`). The bounds are here so that the
 * HTTP schema, the engine, the CLI and the SDK check the same numbers. `keepFor` is how long
 * the job is kept once finished (instead of the server's `--retention`).
 */
import { backoffPolicyProblem, type BackoffPolicy } from './backoff.js';
import { parseDuration } from './duration.js';

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

/**
 * A job's own retention (`keepFor`): from 1 s (the least `--retention` takes) to 366 days. The
 * server may keep it for less: it clamps `keepFor` to `--max-keep-for` (docs/queue.md).
 */
export const MIN_KEEP_FOR_MS = 1000;
export const MAX_KEEP_FOR_MS = 366 * 24 * 3600 * 1000;

/** A duration: whole milliseconds, or text such as `90s`, `1h`, `7d` (model/duration.ts). */
export type Duration = number | string;

export interface QueueOptions {
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
  /** Wait this long (ms) before the first run. */
  delayMs?: number;
  /** How long the job is kept once finished (default: the server's --retention). */
  keepFor?: Duration;
}

/** Why `options` cannot be used, naming the field, or undefined when they are valid. */
export function queueOptionsProblem(options: QueueOptions): string | undefined {
  const { attempts, backoff, priority, delayMs, keepFor } = options;
  if (attempts !== undefined && !isIntegerIn(attempts, 1, MAX_ATTEMPTS))
    return `attempts must be an integer from 1 to ${MAX_ATTEMPTS}`;
  if (priority !== undefined && !isIntegerIn(priority, PRIORITY_MIN, PRIORITY_MAX))
    return `priority must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`;
  if (
    delayMs !== undefined &&
    !(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)
  )
    return `delay must be from 0 to ${MAX_DELAY_MS} ms (366 days)`;
  if (keepFor !== undefined && keepForMs(keepFor) === undefined)
    return `keepFor must be a duration (ms, or text such as "1h", "7d") from 1 s to 366 days`;
  if (backoff !== undefined) return backoffPolicyProblem(backoff);
  return undefined;
}

/** `keepFor` in milliseconds, or undefined when it is not a duration within the bounds. */
export function keepForMs(keepFor: Duration): number | undefined {
  const ms = typeof keepFor === 'number' ? keepFor : parseDuration(keepFor);
  if (ms === undefined || !isIntegerIn(ms, MIN_KEEP_FOR_MS, MAX_KEEP_FOR_MS)) return undefined;
  return ms;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
