import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { redisAvailable, redisSkipReason } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { concurrencyConformance } from './concurrency-conformance.js';
import { queueConformance } from './queue-conformance.js';
import { retentionConformance } from './retention-conformance.js';
import { scheduleConformance } from './schedule-conformance.js';
import { storeConformance } from './store-conformance.js';
import { webhookEndpointConformance } from './webhook-endpoint-conformance.js';
import { webhookOutboxConformance } from './webhook-outbox-conformance.js';

describe.skipIf(!redisAvailable)('redis store', () => {
  const redis = redisForSuite();
  /** Each store gets its own key prefix: an empty store on a shared test server. */
  const freshStore = () =>
    RedisStore.open({ url: redis().url, prefix: `t${randomUUID().slice(0, 8)}:` });

  storeConformance('redis', freshStore);
  queueConformance('redis', freshStore);
  retentionConformance('redis', freshStore);
  concurrencyConformance('redis', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const open = () => RedisStore.open({ url: redis().url, prefix });
    return [await open(), await open()] as const;
  });
  scheduleConformance('redis', freshStore);
  webhookOutboxConformance('redis', freshStore);
  webhookEndpointConformance('redis', freshStore);

  it('lets one process at a time attempt a delivery: a lapsed lease holder’s answer is ignored', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const [one, two] = await Promise.all([
      RedisStore.open({ url: redis().url, prefix }),
      RedisStore.open({ url: redis().url, prefix }),
    ]);
    try {
      const { job } = await one.create({
        type: 't',
        input: {},
        webhooks: [{ url: 'https://a.example/', events: 'all' }],
      });
      const now = Date.now() + 1000;
      const [first] = await one.webhooks.claimDue(now, 10, 5000);
      expect(await two.webhooks.claimDue(now + 4999, 10, 5000)).toEqual([]);
      // The first holder's lease lapses; the second process takes the delivery over.
      const [second] = await two.webhooks.claimDue(now + 5000, 10, 5000);
      expect(second?.id).toBe(first?.id);
      await one.webhooks.recordAttempt(
        first?.id ?? '',
        { at: now, latencyMs: 1 },
        { state: 'delivered' },
      );
      expect((await two.webhooks.forJob(job.id))[0]).toMatchObject({
        state: 'pending',
        attempts: [],
      });
      await two.webhooks.recordAttempt(
        second?.id ?? '',
        { at: now + 5000, statusCode: 204, latencyMs: 2 },
        { state: 'delivered' },
      );
      expect((await one.webhooks.forJob(job.id))[0]).toMatchObject({
        state: 'delivered',
        attempts: [{ attempt: 1, statusCode: 204 }],
      });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

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
