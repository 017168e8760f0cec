/**
 * Store and queue cannot disagree for long (Redis mode): a job that was stored but whose
 * enqueue failed (the submit answered 503 "stored but could not be queued") is enqueued by the
 * outbox reconciler of a running process within seconds — no restart, no new submit.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WorkerPool } from '../src/execution/worker-pool.js';
import { JobEngine } from '../src/jobs/engine.js';
import { BullmqRunner } from '../src/jobs/runners/bullmq-runner.js';
import type { JobDispatcher } from '../src/jobs/runners/job-dispatcher.js';
import { AppError } from '../src/model/errors/app-error.js';
import { delegatingStore } from './helpers/delegating-store.js';
import { redisAvailable, redisSkipReason } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

/** The reconciler's grace (2 s) and interval (1 s), with room for a loaded machine. */
const BOUND_MS = 8000;

/** The error a submit rejected with. */
async function refusal(submit: Promise<unknown>): Promise<AppError> {
  const error = await submit.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error('the submit was not refused');
  return error;
}

const brokenQueue: JobDispatcher = {
  state: 'running',
  dispatch: () => Promise.reject(new Error('the queue is unreachable')),
  close: () => Promise.resolve(),
};

describe.skipIf(!redisAvailable)('Redis mode: the dispatch outbox', () => {
  const redis = redisForSuite();

  it('runs a job whose enqueue failed within seconds, on a worker that was already running', async () => {
    const { server } = await startTestServer({
      redis: redis().url,
      redisPrefix: `o${randomUUID().slice(0, 8)}:`,
      runJobs: true,
    });
    // A gateway whose BullMQ connection fails while the store works.
    const gateway = new JobEngine(server.store, server.engine.registry, brokenQueue);
    const refused = await refusal(gateway.submit({ type: 'demo', input: { stepMs: 10 } }));
    expect(refused.code).toBe('store_unavailable');
    expect(refused.message).toBe('the job was stored but could not be queued');
    const jobId = refused.extensions.jobId as string;
    expect(await server.store.get(jobId)).toMatchObject({ status: 'queued' });
    const started = performance.now();
    const done = await waitForJob(server.store, jobId, isFinished, BOUND_MS);
    expect(done.status).toBe('succeeded');
    console.log(
      `job stored but not queued ran ${Math.round(performance.now() - started)} ms after the 503`,
    );
  });

  it('leaves nothing in the outbox once jobs are queued, started or canceled', async () => {
    const prefix = `o${randomUUID().slice(0, 8)}:`;
    const { server } = await startTestServer({
      redis: redis().url,
      redisPrefix: prefix,
      runJobs: false,
    });
    const store = server.store;
    const queued = await server.engine.submit({ type: 'demo', input: { stepMs: 10 } });
    const gateway = new JobEngine(store, server.engine.registry, brokenQueue);
    const orphan = (await refusal(gateway.submit({ type: 'demo' }))).extensions.jobId as string;
    await server.engine.cancel(orphan);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis().url);
    try {
      expect(await admin.zrange(`${prefix}outbox`, 0, -1)).toEqual([]);
      expect(await admin.exists(`${prefix}bull:jobs:${queued.job.id}`)).toBe(1);
    } finally {
      await admin.quit();
    }
  });
});

describe.skipIf(!redisAvailable)('Redis mode: the BullMQ runner', () => {
  const redis = redisForSuite();

  it('hands a job back when the store fails before the start, and runs it later', async () => {
    const prefix = `r${randomUUID().slice(0, 8)}:`;
    const { server } = await startTestServer({
      redis: redis().url,
      redisPrefix: prefix,
      runJobs: false,
    });
    const real = server.store;
    // The first start of the job fails as if Redis were restarting.
    let failures = 1;
    const store = delegatingStore(real, {
      update: (id, change) =>
        change.kind === 'started' && failures-- > 0
          ? Promise.reject(new AppError('store_unavailable', 'Redis is restarting'))
          : real.update(id, change),
    });
    const pool = new WorkerPool({ size: 1 });
    const runner = new BullmqRunner({
      store,
      registry: server.engine.registry,
      pool,
      logger: pino({ level: 'silent' }),
      recovery: 'requeue',
      url: redis().url,
      storePrefix: prefix,
      concurrency: 1,
      maxAttempts: 3,
      stallTimeoutMs: 2000,
    });
    await runner.start();
    try {
      const { job } = await server.engine.submit({ type: 'demo', input: { stepMs: 10 } });
      const done = await waitForJob(real, job.id, isFinished, BOUND_MS);
      // Before, the failed start was taken for a cancel: BullMQ completed the job, and it
      // stayed queued in the store for good.
      expect(done).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(failures).toBe(-1);
    } finally {
      await runner.close();
      await pool.close();
    }
  });
});

if (!redisAvailable) it.skip(`Redis outbox (skipped): ${redisSkipReason}`, () => undefined);
