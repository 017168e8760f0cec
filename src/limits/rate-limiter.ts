/**
 * A rate limit on keys (an API key's name, a client address): `take(key)` answers 0 when the
 * key may go ahead, else the ms until it may. Two kinds: the in-memory one below (one process,
 * the SQLite mode) and a Redis-backed one shared by every gateway of a deployment
 * (src/store/redis/redis-rate-limiter.ts), chosen by the composition.
 */
import { KeyedRateLimit } from './keyed-rate-limit.js';

export interface RateLimiter {
  /** False for a rate of 0: the limit is off and take() always answers 0. */
  readonly enabled: boolean;
  take(key: string): Promise<number>;
}

/** Builds the limiter for one named limit (`submit_per_key`, …) at `ratePerSecond`. */
export type RateLimiterFactory = (name: string, ratePerSecond: number) => RateLimiter;

/** This process's token buckets: exact, but each gateway keeps its own. */
export const memoryRateLimiter: RateLimiterFactory = (_name, ratePerSecond) => {
  const buckets = new KeyedRateLimit(ratePerSecond);
  return {
    enabled: buckets.enabled,
    take: (key) => Promise.resolve(buckets.take(key)),
  };
};
