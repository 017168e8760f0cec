/**
 * Redis that cannot be trusted with the deployment's data is noticed, not silently used:
 * restarted empty (the epoch key is gone), restarted or reconfigured to evict keys, or (with
 * --redis-durability fsync) persisting too little. Each test runs its own redis-server.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { redisAvailable, redisSkipReason, startRedis, stopRedis } from './helpers/redis-server.js';
import { readEventStream } from './helpers/sse.js';
import { startTestServer } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

async function withRedis(
  options: Parameters<typeof startRedis>[0],
  run: (redis: Awaited<ReturnType<typeof startRedis>>) => Promise<void>,
): Promise<void> {
  const redis = await startRedis(options);
  try {
    await run(redis);
  } finally {
    await stopRedis(redis);
  }
}

const submit = (url: string) => postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } });

describe.skipIf(!redisAvailable)('Redis safety', () => {
  it('refuses reads and writes, fails /healthz and ends every follower when Redis restarts empty', async () => {
    await withRedis({}, async (redis) => {
      const { url } = await startTestServer({ redis: redis.url, runJobs: false });
      const job = await json<Job>(await submit(url));
      const sse = await readEventStream(`${url}/jobs/${job.id}/events`);
      const ws = await connect(url);
      ws.send({ type: 'subscribe', topic: `job:${job.id}`, id: 1 });
      await ws.waitFor((m) => m.type === 'subscribed');
      const longPoll = fetch(`${url}/jobs/${job.id}?after=${job.seq}&wait=30`);
      await expect.poll(() => sse.text()).toContain('event: queued');
      // Held before the restart: a poll that reached the server while Redis was down would be
      // answered store_unavailable (retry later), the right answer to a different case.
      await expect
        .poll(() => metricValue(url, 'transport_open_connections', { transport: 'long-polling' }))
        .toBe(1);

      const restarted = performance.now();
      await redis.restart({ empty: true });
      const wsError = await ws.waitFor((m) => m.type === 'error', 10_000);
      expect(wsError).toMatchObject({ code: 'redis_unsafe', topic: `job:${job.id}` });
      await sse.ended; // the stream is cut; its reconnect is answered below
      const poll = await longPoll;
      expect(poll.status).toBe(503);
      expect(await json(poll)).toMatchObject({ code: 'redis_unsafe' });
      const noticed = performance.now() - restarted;

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await json(health)).toMatchObject({ status: 'failing' });
      for (const response of [
        await fetch(`${url}/jobs/${job.id}`),
        await fetch(`${url}/jobs/${job.id}/events`),
        await fetch(`${url}/jobs`),
        await submit(url),
      ]) {
        expect(response.status).toBe(503);
        expect(await json(response)).toMatchObject({
          code: 'redis_unsafe',
          detail: expect.stringContaining('restarted empty') as unknown,
        });
      }
      console.log(`Redis restarted empty: followers told within ${Math.round(noticed)} ms`);
    });
  });

  it('refuses new jobs and fails /healthz while Redis may evict, and recovers when it may not', async () => {
    await withRedis({ appendOnly: true }, async (redis) => {
      const { url } = await startTestServer({ redis: redis.url, runJobs: false });
      const before = await json<Job>(await submit(url));
      await redis.restart({ args: ['--maxmemory-policy', 'allkeys-lru'] });
      // The first submit after the reconnect waits for the check: it is refused, not stored.
      await expect
        .poll(async () => (await submit(url)).status, { timeout: 10_000, interval: 100 })
        .toBe(503);
      const refused = await json(await submit(url));
      expect(refused).toMatchObject({ code: 'redis_unsafe' });
      expect(refused.detail).toContain('allkeys-lru');
      expect((await fetch(`${url}/healthz`)).status).toBe(503);
      // History is still there, and existing jobs can still change.
      expect((await fetch(`${url}/jobs/${before.id}`)).status).toBe(200);
      expect((await fetch(`${url}/jobs/${before.id}`, { method: 'DELETE' })).status).toBe(200);
      const admin = new Redis(redis.url);
      try {
        const jobs = await admin.zcard('bp:all');
        expect(jobs).toBe(1); // nothing was stored while refused
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
      } finally {
        await admin.quit();
      }
      await expect
        .poll(async () => (await submit(url)).status, { timeout: 10_000, interval: 250 })
        .toBe(202);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  it('with --redis-durability fsync, refuses to start on appendfsync everysec without WAITAOF', async () => {
    await withRedis({ appendOnly: true, appendfsync: 'everysec' }, async (redis) => {
      const admin = new Redis(redis.url);
      const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '';
      await admin.quit();
      const opening = RedisStore.open({ url: redis.url, durability: 'fsync' });
      if (/^([89]|7\.[2-9])/.test(version)) {
        // Redis 7.2+ confirms each acknowledged write with WAITAOF instead.
        await (await opening).close();
        return;
      }
      await expect(opening).rejects.toThrow(
        /^--redis redis:\/\/127\.0\.0\.1:\d+: --redis-durability fsync: appendfsync everysec: .*run it with --appendonly yes --appendfsync always \(WAITAOF would allow everysec, but needs Redis 7\.2; this is 7\.0\.\d+\)$/,
      );
    });
  });

  it('with --redis-durability fsync, refuses new jobs once persistence is weakened, until it is restored', async () => {
    await withRedis({ appendOnly: true }, async (redis) => {
      const warnings: string[] = [];
      const prefix = `s${randomUUID().slice(0, 8)}:`;
      const store = await RedisStore.open({
        url: redis.url,
        prefix,
        durability: 'fsync',
        checkIntervalMs: 100,
        onWarning: (message) => warnings.push(message),
      });
      const admin = new Redis(redis.url);
      try {
        await store.create({ type: 't', input: 1 });
        await admin.config('SET', 'appendfsync', 'everysec');
        await expect
          .poll(() =>
            store.create({ type: 't', input: 2 }).then(
              () => 'stored',
              (e: unknown) => (e as Error).message,
            ),
          )
          .toMatch(/^--redis-durability fsync: appendfsync everysec/);
        await expect(store.ping()).rejects.toMatchObject({ code: 'redis_unsafe' });
        await admin.config('SET', 'appendfsync', 'always');
        await expect
          .poll(() =>
            store.create({ type: 't', input: 3 }).then(
              () => 'stored',
              (e: unknown) => (e as Error).message,
            ),
          )
          .toBe('stored');
        expect(warnings).toEqual([
          expect.stringMatching(
            /^new jobs refused: --redis-durability fsync: appendfsync everysec/,
          ),
          'Redis is safe again: new jobs are accepted',
        ]);
      } finally {
        await Promise.all([store.close(), admin.quit()]);
      }
    });
  });

  it('with --redis-durability warn, says at start what the settings can lose', async () => {
    await withRedis({ appendOnly: true, appendfsync: 'everysec' }, async (redis) => {
      const warnings: string[] = [];
      const store = await RedisStore.open({ url: redis.url, onWarning: (m) => warnings.push(m) });
      await store.close();
      expect(warnings).toEqual([
        expect.stringMatching(
          /^Redis persistence: appendfsync everysec: Redis may answer before writing, .* about the last 2 s of acknowledged writes/,
        ),
      ]);
    });
  });
});

if (!redisAvailable) it.skip(`Redis safety (skipped): ${redisSkipReason}`, () => undefined);
