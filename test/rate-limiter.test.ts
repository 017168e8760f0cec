/**
 * Both rate limiters keep the same contract (a key's first RATE takes go ahead, the next is
 * told how long to wait, keys are independent, a rate of 0 is off); the Redis one is shared by
 * every instance on the same prefix — as gateways share it — and, with Redis gone, keeps
 * limiting in memory per process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryRateLimiter, type RateLimiterFactory } from '../src/limits/rate-limiter.js';
import { RedisRateLimits } from '../src/store/redis/redis-rate-limiter.js';
import { redisAvailable, startRedis, stopRedis } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';

const RATE = 5;

async function takeMany(factory: RateLimiterFactory, key: string, count: number) {
  const limiter = factory('submit_per_key', RATE);
  const waits: number[] = [];
  for (let i = 0; i < count; i++) waits.push(await limiter.take(key));
  return waits;
}

function contract(name: string, factory: () => RateLimiterFactory) {
  describe(`${name} rate limiter`, () => {
    it('lets a key make RATE takes, then answers how long to wait (at most a second)', async () => {
      const waits = await takeMany(factory(), 'k1', RATE + 1);
      expect(waits.slice(0, RATE)).toEqual(Array(RATE).fill(0));
      expect(waits[RATE]).toBeGreaterThan(0);
      expect(waits[RATE]).toBeLessThanOrEqual(1000);
    });

    it('counts keys apart', async () => {
      const limiter = factory()('submit_per_ip', 1);
      expect(await limiter.take('a')).toBe(0);
      expect(await limiter.take('b')).toBe(0);
      expect(await limiter.take('a')).toBeGreaterThan(0);
    });

    it('is off at a rate of 0', async () => {
      const limiter = factory()('publish_per_key', 0);
      expect(limiter.enabled).toBe(false);
      for (let i = 0; i < 3; i++) expect(await limiter.take('k')).toBe(0);
    });
  });
}

contract('in-memory', () => memoryRateLimiter);

describe.skipIf(!redisAvailable)('Redis-backed rate limits', () => {
  const redis = redisForSuite();
  const opened: RedisRateLimits[] = [];
  let prefix = 0;
  const open = async (at = `t${prefix}:`, url = redis().url) => {
    const limits = await RedisRateLimits.open({ url, prefix: at, onConnectionError: () => {} });
    opened.push(limits);
    return limits;
  };
  let current: RedisRateLimits | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    prefix++;
  });

  contract('Redis', () => {
    if (!current) throw new Error('not opened');
    return current.factory;
  });

  it('shares a key’s rate between instances on one prefix, as gateways do', async () => {
    const at = `shared${prefix}:`;
    const one = (await open(at)).factory('submit_per_key', RATE);
    const two = (await open(at)).factory('submit_per_key', RATE);
    const waits: number[] = [];
    for (let i = 0; i < RATE; i++) waits.push(await (i % 2 === 0 ? one : two).take('k'));
    expect(waits).toEqual(Array(RATE).fill(0));
    expect(await one.take('k')).toBeGreaterThan(0);
    expect(await two.take('k')).toBeGreaterThan(0);
  });

  it('keeps limiting per process, in memory, while Redis cannot answer', async () => {
    const lost = await startRedis();
    const limits = await open('down:', lost.url);
    const limiter = limits.factory('submit_per_key', RATE);
    // Spend the key's rate in Redis, then lose Redis: the fallback starts its own count.
    for (let i = 0; i < RATE; i++) expect(await limiter.take('k')).toBe(0);
    expect(await limiter.take('k')).toBeGreaterThan(0);
    await stopRedis(lost);
    const waits: number[] = [];
    for (let i = 0; i <= RATE; i++) waits.push(await limiter.take('k'));
    expect(waits.slice(0, RATE)).toEqual(Array(RATE).fill(0));
    expect(waits[RATE]).toBeGreaterThan(0);
  });
});
