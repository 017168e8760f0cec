/**
 * Rate limits held in Redis, so a key limited to N a second gets N a second across every
 * gateway of the deployment, not N on each (rate-limiter-flexible's RateLimiterRedis: one
 * counter per key and one-second window, taken by an atomic script).
 *
 * When Redis cannot answer, each gateway falls back to its own in-memory limiter at the same
 * rate (rate-limiter-flexible's insuranceLimiter): requests keep being limited, per gateway,
 * rather than all refused (a Redis outage would stop every submit) or all let through (the
 * limit would vanish exactly when the system is under strain). The connection does not queue
 * commands while Redis is away, so the fallback answers at once instead of after a timeout.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimiterFactory } from '../../limits/rate-limiter.js';

export interface RedisRateLimitsOptions {
  url: string;
  /** The deployment's key prefix (`--redis-prefix`); limits live under `<prefix>limit:`. */
  prefix: string;
  onConnectionError?: (error: Error) => void;
}

export class RedisRateLimits {
  readonly #redis: Redis;
  readonly #prefix: string;
  #closed: Promise<void> | undefined;

  private constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}limit:`;
  }

  /**
   * Connects first: without an offline queue, a command sent before the connection is up would
   * fail and be counted by the in-memory fallback instead.
   */
  static async open(options: RedisRateLimitsOptions): Promise<RedisRateLimits> {
    const redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', (error: Error) => options.onConnectionError?.(error));
    await redis.connect();
    return new RedisRateLimits(redis, options.prefix);
  }

  /** The factory Guards builds its limits with. */
  readonly factory: RateLimiterFactory = (name, ratePerSecond) =>
    redisRateLimiter(this.#redis, `${this.#prefix}${name}`, ratePerSecond);

  close(): Promise<void> {
    this.#closed ??= this.#redis.quit().then(
      () => undefined,
      () => {
        this.#redis.disconnect();
      },
    );
    return this.#closed;
  }
}

function redisRateLimiter(redis: Redis, keyPrefix: string, ratePerSecond: number): RateLimiter {
  if (ratePerSecond <= 0) return { enabled: false, take: () => Promise.resolve(0) };
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points: ratePerSecond,
    duration: 1,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points: ratePerSecond, duration: 1 }),
  });
  return {
    enabled: true,
    take: async (key) => {
      try {
        await limiter.consume(key);
        return 0;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
        throw refusal;
      }
    },
  };
}
