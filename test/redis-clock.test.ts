/**
 * One clock per deployment in Redis mode: timestamps, retention and access-token expiry come
 * from Redis's clock, not from whichever process wrote or checks. Process clocks are skewed by
 * replacing Date.now in this process: a worker two days behind, a pruner two days ahead, a
 * gateway ten minutes behind.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { json, postJson } from './helpers/http.js';
import { redisAvailable, redisSkipReason } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';

const DAY = 24 * 3_600_000;
const realNow = Date.now.bind(Date);

/** From now on this process's wall clock is `offsetMs` off. */
function skewClock(offsetMs: number): void {
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
}

describe.skipIf(!redisAvailable)('Redis mode: one clock per deployment', () => {
  const redis = redisForSuite();
  const open = (prefix: string, pruneLimit?: number) =>
    RedisStore.open({ url: redis().url, prefix, pruneLimit });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('does not prune early the jobs written by processes whose clocks are days behind', async () => {
    const prefix = `c${randomUUID().slice(0, 8)}:`;
    const gateway = await open(prefix);
    const worker = await open(prefix);
    try {
      skewClock(-3 * DAY);
      const { job } = await gateway.create({ type: 't', input: null });
      vi.restoreAllMocks();
      skewClock(-2 * DAY);
      await worker.update(job.id, { kind: 'started' });
      const done = await worker.update(job.id, { kind: 'succeeded', result: 1 });
      vi.restoreAllMocks();
      // Stamped by Redis's clock, not the writers'.
      expect(Math.abs(Date.parse(job.createdAt) - Date.now())).toBeLessThan(60_000);
      expect(Math.abs(Date.parse(done.job.updatedAt) - Date.now())).toBeLessThan(60_000);
      expect(await gateway.prune(new Date(Date.now() - DAY))).toBe(0);
      expect(await gateway.get(job.id)).toMatchObject({ status: 'succeeded' });
    } finally {
      await Promise.all([gateway.close(), worker.close()]);
    }
  });

  it('prunes nothing younger than the retention when the pruning process jumped two days ahead', async () => {
    const store = await open(`c${randomUUID().slice(0, 8)}:`);
    try {
      const { job } = await store.create({ type: 't', input: null });
      await store.update(job.id, { kind: 'canceled' });
      skewClock(2 * DAY);
      expect(await store.prune(new Date(Date.now() - DAY))).toBe(0);
      vi.restoreAllMocks();
      expect(await store.get(job.id)).toBeDefined();
      // Still pruned once it really is older than the retention asked for.
      expect(await store.prune(new Date(Date.now() + 1000))).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('deletes at most its limit of jobs in one prune pass', async () => {
    const store = await open(`c${randomUUID().slice(0, 8)}:`, 1000);
    try {
      await Promise.all(
        Array.from({ length: 2500 }, async () => {
          const { job } = await store.create({ type: 't', input: null });
          await store.update(job.id, { kind: 'canceled' });
        }),
      );
      const passes: number[] = [];
      for (let i = 0; i < 4; i++) passes.push(await store.prune(new Date(Date.now() + 1000)));
      expect(passes).toEqual([1000, 1000, 500, 0]);
    } finally {
      await store.close();
    }
  });

  it('accepts on one gateway an access token issued by a gateway whose clock is ten minutes behind', async () => {
    const options = {
      redis: redis().url,
      redisPrefix: `c${randomUUID().slice(0, 8)}:`,
      runJobs: false,
      apiKeys: 'alice:alice-secret-0123456789',
      tokenSecret: 'a-shared-token-secret-of-32-characters',
      tokenTtl: 5 * 60_000,
    };
    const [a, b] = await Promise.all([startTestServer(options), startTestServer(options)]);
    skewClock(-10 * 60_000);
    const issued = await json<{ token: string; expiresAt: string }>(
      await postJson(
        `${a.url}/auth/token`,
        {},
        { authorization: 'Bearer alice-secret-0123456789' },
      ),
    );
    vi.restoreAllMocks();
    // Expiry on the deployment's clock: five minutes from now, not five minutes ago.
    const left = Date.parse(issued.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(4 * 60_000);
    expect(left).toBeLessThanOrEqual(5 * 60_000 + 1000);
    const events = await fetch(`${b.url}/jobs/${randomUUID()}/events?access_token=${issued.token}`);
    expect(events.status).toBe(404); // authenticated, and there is no such job
  });
});

if (!redisAvailable) it.skip(`Redis clock (skipped): ${redisSkipReason}`, () => undefined);
