/**
 * Redis mode across processes: two gateways and two workers on one redis-server. Jobs are
 * submitted on gateway A and followed on gateway B; a worker killed mid-job loses it to the
 * other worker after the stall timeout; a Redis restart mid-stream is survived by everyone.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { json, postJson } from '../helpers/http.js';
import { redisAvailable, redisSkipReason, type RedisProcess } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer, spawnWorker, type SpawnedServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';

async function getJob(url: string, id: string): Promise<Job> {
  return json<Job>(await fetch(`${url}/jobs/${id}`));
}

async function cluster(redis: RedisProcess) {
  const common = ['--redis', redis.url, '--stall-timeout', '2s', '--data-dir', tempDir()];
  const [a, b, w1, w2] = await Promise.all([
    spawnServer([...common, '--run-jobs', 'false']),
    spawnServer([...common, '--run-jobs', 'false']),
    spawnWorker([...common, '--log-level', 'debug', '--concurrency', '4']),
    spawnWorker([...common, '--log-level', 'debug', '--concurrency', '4']),
  ]);
  return { a, b, workers: [w1, w2] };
}

const runs = (worker: SpawnedServer, id: string) =>
  worker.lines.some((l) => l.includes('"msg":"job started"') && l.includes(id));

describe.skipIf(!redisAvailable)('several gateways and workers on one Redis', () => {
  const redis = redisForSuite({ appendOnly: true });

  it('runs jobs submitted on one gateway and reports them on the other', async () => {
    const { a, b } = await cluster(redis());
    const ids = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await postJson(`${a.url}/jobs`, { type: 'demo', input: { stepMs: 30 } });
        expect(response.status).toBe(202);
        return (await json<Job>(response)).id;
      }),
    );
    for (const id of ids) {
      await expect
        .poll(async () => (await getJob(b.url, id)).status, { timeout: 15_000 })
        .toBe('succeeded');
    }
    const etag = (await fetch(`${b.url}/jobs/${ids[0] ?? ''}`)).headers.get('etag');
    const again = await fetch(`${a.url}/jobs/${ids[0] ?? ''}`, {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304); // the same ETag on every gateway
  }, 60_000);

  it('gives the job of a killed worker to the other worker, with an explicit restart', async () => {
    const { a, b, workers } = await cluster(redis());
    const job = await json<Job>(
      await postJson(`${a.url}/jobs`, { type: 'demo', input: { stepMs: 400 } }),
    );
    await expect
      .poll(async () => (await getJob(b.url, job.id)).progress, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(20);
    const owner = workers.find((w) => runs(w, job.id));
    const other = workers.find((w) => w !== owner);
    if (!owner || !other) throw new Error('no worker claims to run the job');
    process.kill(-owner.pid, 'SIGKILL');

    await expect
      .poll(async () => (await getJob(b.url, job.id)).status, { timeout: 20_000, interval: 250 })
      .toBe('succeeded');
    expect(runs(other, job.id)).toBe(true);
    const store = await RedisStore.open({ url: redis().url });
    try {
      const events = (await store.events(job.id, 0))?.events ?? [];
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1)); // no gap
      const requeued = events.find((e) => e.kind === 'requeued');
      expect(requeued).toMatchObject({ progress: 0, data: { reason: 'worker-lost' } });
      expect(events.at(-1)).toMatchObject({ kind: 'succeeded' });
      expect((await getJob(b.url, job.id)).attempt).toBe(2);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('recovers by itself when Redis restarts mid-stream', async () => {
    const { a, b } = await cluster(redis());
    const job = await json<Job>(
      await postJson(`${a.url}/jobs`, { type: 'demo', input: { stepMs: 300 } }),
    );
    await expect
      .poll(async () => (await getJob(b.url, job.id)).progress, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(20);
    await redis().restart();

    await expect
      .poll(async () => (await getJob(b.url, job.id).catch(() => undefined))?.status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe('succeeded');
    const after = await postJson(`${a.url}/jobs`, { type: 'demo', input: { stepMs: 10 } });
    expect(after.status).toBe(202);
    const next = await json<Job>(after);
    await expect
      .poll(async () => (await getJob(b.url, next.id)).status, { timeout: 15_000 })
      .toBe('succeeded');
    const store = await RedisStore.open({ url: redis().url });
    try {
      const seqs = ((await store.events(job.id, 0))?.events ?? []).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    } finally {
      await store.close();
    }
  }, 90_000);
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable)
  it.skip(`several gateways and workers on one Redis (skipped): ${redisSkipReason}`, () =>
    undefined);
