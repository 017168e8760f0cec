/**
 * How long to wait before the next try of something that failed: a job's next attempt, a
 * webhook's next delivery. One definition so that every retry in the system (job retries,
 * webhook deliveries, anything later) means the same thing by `fixed`, `exponential` and
 * `jitter`, with the semantics BullMQ users know.
 *
 * Pure: the random source is a parameter so that tests (and fake clocks) get exact delays.
 */
export const BACKOFF_TYPES = ['fixed', 'exponential'] as const;
export type BackoffType = (typeof BACKOFF_TYPES)[number];

export interface BackoffPolicy {
  type: BackoffType;
  /** The first retry's delay in ms (and every retry's, for `fixed`). */
  delayMs: number;
  /** No delay exceeds this (ms). Defaults to no cap. */
  maxDelayMs?: number;
  /**
   * 0–1: the share of the delay that is random. 0 (the default) waits exactly the delay;
   * 0.5 waits between half the delay and the whole of it, spreading a crowd of retries.
   */
  jitter?: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry, i.e. after the first failure).
 * Exponential doubles per retry: delay, 2·delay, 4·delay, … up to `maxDelayMs`.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`retry must be ≥ 1, got ${retry}`);
  const base =
    policy.type === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** Math.min(retry - 1, 52);
  const capped = Math.min(base, policy.maxDelayMs ?? Number.POSITIVE_INFINITY);
  const jitter = Math.min(Math.max(policy.jitter ?? 0, 0), 1);
  return Math.round(capped * (1 - jitter) + random() * capped * jitter);
}

/** Why a policy cannot be used, in words that name the field, or undefined when it is valid. */
export function backoffPolicyProblem(policy: BackoffPolicy): string | undefined {
  if (!BACKOFF_TYPES.includes(policy.type))
    return `backoff.type must be one of ${BACKOFF_TYPES.join(', ')}`;
  if (!Number.isFinite(policy.delayMs) || policy.delayMs < 0)
    return 'backoff.delayMs must be a number ≥ 0';
  if (policy.maxDelayMs !== undefined && !(policy.maxDelayMs >= policy.delayMs))
    return 'backoff.maxDelayMs must be ≥ backoff.delayMs';
  if (policy.jitter !== undefined && !(policy.jitter >= 0 && policy.jitter <= 1))
    return 'backoff.jitter must be between 0 and 1';
  return undefined;
}
