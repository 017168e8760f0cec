/**
 * The server in Redis mode, in one process: the HTTP API over RedisStore + BullMQ behaves as in
 * embedded mode (submit, cancel, idempotency across gateways), hands running jobs back to the
 * queue at shutdown, and answers 503 store_unavailable while Redis is down.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { redisAvailable, redisSkipReason, startRedis, stopRedis } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

describe.skipIf(!redisAvailable)('Redis mode', () => {
  const redis = redisForSuite();

  /** A gateway on its own key prefix, so tests do not see each other's jobs. */
  const gateway = (prefix: string, runJobs = true) =>
    startTestServer({ redis: redis().url, redisPrefix: prefix, runJobs, stallTimeout: 2000 });
  const newPrefix = () => `t${randomUUID().slice(0, 8)}:`;

  it('runs a submitted job through BullMQ to success', async () => {
    const { url, server } = await gateway(newPrefix());
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }),
    );
    const done = await waitForJob(server.store, job.id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, attempt: 1 });
    // queued, started, up to ten progress steps, succeeded: progress reported while a write is
    // in flight replaces the one waiting (the latest wins), so a loaded machine records fewer.
    expect(done.seq).toBeGreaterThanOrEqual(3);
    expect(done.seq).toBeLessThanOrEqual(12);
  });

  it('cancels a job running on another gateway', async () => {
    const prefix = newPrefix();
    const runner = await gateway(prefix, true);
    const front = await gateway(prefix, false);
    const job = await json<Job>(
      await postJson(`${front.url}/jobs`, { type: 'demo', input: { stepMs: 5000 } }),
    );
    await waitForJob(runner.server.store, job.id, (j) => j.status === 'running');
    const canceled = await fetch(`${front.url}/jobs/${job.id}`, { method: 'DELETE' });
    expect(await json(canceled)).toMatchObject({ status: 'canceled' });
    await expect.poll(() => runner.server.runner?.activeCount, { timeout: 5000 }).toBe(0);
    expect(await json(await fetch(`${runner.url}/jobs/${job.id}`))).toMatchObject({
      status: 'canceled',
    });
  });

  it('creates one job for one Idempotency-Key across two gateways', async () => {
    const prefix = newPrefix();
    const [one, two] = await Promise.all([gateway(prefix, false), gateway(prefix, false)]);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson(`${(i % 2 ? one : two).url}/jobs`, { type: 'demo' }, { 'idempotency-key': 'k-1' }),
      ),
    );
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json<Job>(r)).id)));
    expect(ids.size).toBe(1);
  });

  it('hands a running job back to the queue at shutdown; another process finishes it', async () => {
    const prefix = newPrefix();
    const first = await gateway(prefix);
    const job = await json<Job>(
      await postJson(`${first.url}/jobs`, { type: 'demo', input: { stepMs: 200 } }),
    );
    await waitForJob(first.server.store, job.id, (j) => j.progress >= 10);
    await first.server.close();

    const second = await gateway(prefix);
    const done = await waitForJob(second.server.store, job.id, isFinished, 15_000);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2 });
    const kinds = (await second.server.store.events(job.id, 0))?.events.map((e) => e.kind);
    expect(kinds).toContain('requeued');
  });

  it('answers 503 store_unavailable while Redis is unreachable', async () => {
    const dead = await startRedis();
    const { url } = await startTestServer({ redis: dead.url, runJobs: false });
    await stopRedis(dead);
    const response = await fetch(`${url}/jobs/${randomUUID()}`);
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({ code: 'store_unavailable' });
  });

  it('answers 503 store_unavailable within seconds while Redis is frozen, and recovers', async () => {
    const frozen = await startRedis();
    const { url } = await startTestServer({ redis: frozen.url, runJobs: false });
    try {
      frozen.freeze(); // the connection stays open; nothing answers on it
      const started = performance.now();
      const response = await fetch(`${url}/jobs/${randomUUID()}`);
      expect(response.status).toBe(503);
      expect(await json(response)).toMatchObject({ code: 'store_unavailable' });
      expect(performance.now() - started).toBeLessThan(6000);
      frozen.thaw();
      await expect
        .poll(async () => (await fetch(`${url}/jobs/${randomUUID()}`)).status, { timeout: 10_000 })
        .toBe(404);
    } finally {
      frozen.thaw();
      await stopRedis(frozen);
    }
  });
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable) it.skip(`Redis mode (skipped): ${redisSkipReason}`, () => undefined);
