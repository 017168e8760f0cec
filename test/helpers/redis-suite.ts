/**
 * Vitest lifecycle for a redis-server (apart from redis-server.ts, which the benchmarks import
 * outside Vitest).
 */
import { afterAll, beforeAll } from 'vitest';
import {
  startRedis,
  stopRedis,
  type RedisProcess,
  type RedisStartOptions,
} from './redis-server.js';

/**
 * One redis-server for the enclosing describe block: started before its tests and stopped
 * after them. The function it returns hands the server to a test.
 */
export function redisForSuite(options: RedisStartOptions = {}): () => RedisProcess {
  let redis: RedisProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis(options);
  });
  afterAll(async () => {
    if (redis) await stopRedis(redis);
  });
  return () => {
    if (!redis) throw new Error('redis-server is not running');
    return redis;
  };
}
