import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { redisAvailable, redisSkipReason } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { queueConformance } from './queue-conformance.js';
import { storeConformance } from './store-conformance.js';
import { webhookOutboxConformance } from './webhook-outbox-conformance.js';

describe.skipIf(!redisAvailable)('redis store', () => {
  const redis = redisForSuite();
  /** Each store gets its own key prefix: an empty store on a shared test server. */
  const freshStore = () =>
    RedisStore.open({ url: redis().url, prefix: `t${randomUUID().slice(0, 8)}:` });

  storeConformance('redis', freshStore);
  queueConformance('redis', freshStore);
  webhookOutboxConformance('redis', freshStore);

  it('refuses a Redis that may evict keys', async () => {
    const store = await freshStore();
    await store.close();
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis().url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(freshStore()).rejects.toThrow(/maxmemory-policy is "allkeys-lru"/);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.quit();
    }
  });
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable) it.skip(`redis store (skipped): ${redisSkipReason}`, () => undefined);
