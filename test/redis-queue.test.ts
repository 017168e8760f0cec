/**
 * Queue semantics in Redis mode (issue 16): retries wait in BullMQ's delayed set and run again
 * on any worker, at most `attempts` times; a delayed submit on one gateway starts on a worker
 * in another process when due; priorities order BullMQ's queue.
 */
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

const runs = new Map<string, number>();
const flaky = defineJobType({
  name: 'flaky',
  description: 'test: fails until a given attempt',
  execution: 'io',
  input: Type.Object({ succeedOn: Type.Integer() }),
  timeoutMs: 30_000,
  async handler(input, ctx) {
    runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
    await Promise.resolve();
    if (ctx.attempt >= input.succeedOn) return { attempt: ctx.attempt };
    throw new Error(`attempt ${ctx.attempt} failed`);
  },
});

describe.skipIf(!redisAvailable)('Redis mode queue semantics', () => {
  const redis = redisForSuite();
  const gateway = (prefix: string, runJobs = true) =>
    startTestServer({ redis: redis().url, redisPrefix: prefix, runJobs, stallTimeout: 2000 }, [
      flaky,
    ]);
  const newPrefix = () => `q${randomUUID().slice(0, 8)}:`;

  it('retries through BullMQ after the backoff and stops at the attempts', async () => {
    const { url, server } = await gateway(newPrefix());
    const backoff = { type: 'fixed', delayMs: 300, jitter: 0 };
    const submit = (succeedOn: number) =>
      postJson(`${url}/jobs`, { type: 'flaky', input: { succeedOn }, attempts: 3, backoff });
    const lucky = await json<Job>(await submit(2));
    const doomed = await json<Job>(await submit(9));
    const ok = await waitForJob(server.store, lucky.id, isFinished);
    expect(ok).toMatchObject({ status: 'succeeded', attempt: 2 });
    const failed = await waitForJob(server.store, doomed.id, isFinished);
    expect(failed).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: { code: 'handler_error' },
    });
    expect(runs.get(doomed.id)).toBe(3);
    const log = (await server.store.events(doomed.id, 0))?.events ?? [];
    const retries = log.filter((e) => e.kind === 'retrying');
    expect(retries).toHaveLength(2);
    // Each retry started no earlier than its due time.
    for (const retry of retries) {
      const next = log.find((e) => e.seq > retry.seq && e.kind === 'started');
      const due = Date.parse((retry.data as { runAt: string }).runAt);
      expect(Date.parse(next?.at ?? '')).toBeGreaterThanOrEqual(due);
    }
  });

  it('starts a delayed job, submitted on a gateway, on a worker elsewhere within a second of due', async () => {
    const prefix = newPrefix();
    const front = await gateway(prefix, false);
    const worker = await gateway(prefix, true);
    const job = await json<Job>(
      await postJson(`${front.url}/jobs`, { type: 'demo', input: { stepMs: 10 }, delay: 1500 }),
    );
    expect(job.runAt, JSON.stringify(job)).toBeDefined();
    const done = await waitForJob(worker.server.store, job.id, isFinished);
    expect(done.status).toBe('succeeded');
    const log = (await worker.server.store.events(job.id, 0))?.events ?? [];
    const started = Date.parse(log.find((e) => e.kind === 'started')?.at ?? '');
    const due = Date.parse(job.runAt ?? '');
    expect(started).toBeGreaterThanOrEqual(due);
    expect(started - due).toBeLessThan(1000);
  });

  it('runs higher priorities first from BullMQ', async () => {
    const prefix = newPrefix();
    const front = await gateway(prefix, false);
    const order: number[] = [0, 5, -3, 9, 5];
    const jobs: Job[] = [];
    for (const priority of order) {
      jobs.push(
        await json<Job>(
          await postJson(`${front.url}/jobs`, { type: 'demo', input: { stepMs: 10 }, priority }),
        ),
      );
    }
    // One worker, one slot: the order it starts them in is the queue's order.
    const worker = await startTestServer(
      { redis: redis().url, redisPrefix: prefix, runJobs: true, concurrency: 1 },
      [flaky],
    );
    const done = await Promise.all(
      jobs.map((j) => waitForJob(worker.server.store, j.id, isFinished)),
    );
    const startedAt = await Promise.all(
      done.map(async (j) => {
        const log = (await worker.server.store.events(j.id, 0))?.events ?? [];
        return Date.parse(log.find((e) => e.kind === 'started')?.at ?? '');
      }),
    );
    const byStart = jobs
      .map((j, i) => ({ priority: j.priority, n: i, at: startedAt[i] ?? 0 }))
      .sort((a, b) => a.at - b.at || a.n - b.n);
    expect(byStart.map((j) => j.priority)).toEqual([9, 5, 5, 0, -3]);
    expect(byStart.filter((j) => j.priority === 5).map((j) => j.n)).toEqual([1, 4]);
  });
});
