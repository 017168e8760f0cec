/**
 * Reconnect delays: exponential, so a server that is down is not hammered, with jitter, so the
 * clients it lost at the same moment do not all come back at the same moment either.
 */
import { backoffDelay as policyDelay } from '../model/backoff.js';

export interface BackoffOptions {
  /** Ceiling of the first delay, in milliseconds. */
  initialMs: number;
  /** The ceiling never grows past this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 250, maxMs: 15_000 };

/**
 * The delay before reconnect number `attempt` (0 = the first): "equal jitter" — half the
 * ceiling for sure, half at random — so a retry never comes at once and never in lockstep.
 * The same policy the server retries jobs and webhooks with (model/backoff.ts), at jitter 0.5.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return policyDelay(
    { type: 'exponential', delayMs: options.initialMs, maxDelayMs: options.maxMs, jitter: 0.5 },
    attempt + 1,
    random,
  );
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
