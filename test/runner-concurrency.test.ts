/**
 * Per-type concurrency through the local runner (issue 16, item 4): two runners on one SQLite
 * store, each with room for four jobs, run at most one `gated` job at a time between them, while
 * jobs of an unlimited type run beside it; a gated job ending on one runner starts the next on
 * whichever runner claims first. Handlers wait on gates the test opens, so nothing sleeps.
 */
import { pino } from 'pino';
import Type from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WorkerPool } from '../src/execution/worker-pool.js';
import { defineJobType } from '../src/jobs/job-type.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { Runner } from '../src/jobs/runners/runner.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { gatedJobTypes } from './helpers/gated-job-types.js';
import { waitForJob } from './helpers/wait-for-job.js';

describe('per-type concurrency across two runners', () => {
  it('runs at most `concurrency` jobs of the type at once, and other types beside them', async () => {
    const { gated, free, gates, seen } = gatedJobTypes(1);
    const store = new SqliteStore({ path: ':memory:' });
    const registry = new JobTypeRegistry([gated, free]);
    const pool = new WorkerPool({ size: 1 });
    const runners = [1, 2].map(
      () =>
        new Runner({
          store,
          registry,
          pool,
          logger: pino({ level: 'silent' }),
          concurrency: 4,
          recovery: 'requeue',
          maxAttempts: 3,
        }),
    );
    onTestFinished(async () => {
      for (const open of gates.values()) open();
      await Promise.all(runners.map((runner) => runner.close()));
      await pool.close();
      await store.close();
    });
    await Promise.all(runners.map((runner) => runner.start()));

    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push((await store.create({ type: 'gated', input: { n }, priority: 5 })).job.id);
    }
    const frees = await Promise.all([1, 2].map(() => store.create({ type: 'free', input: {} })));
    // The unlimited type is not held up behind the limited one's queue.
    for (const { job } of frees) await waitForJob(store, job.id, (j) => j.status === 'succeeded');
    for (let n = 0; n < 3; n++) {
      const id = ids[n] ?? '';
      await waitForJob(store, id, (j) => j.status === 'running');
      const page = await store.list({ status: 'running', type: 'gated', limit: 10 });
      expect(page.jobs.map((j) => j.id)).toEqual([id]);
      expect(await store.get(ids[n + 1] ?? id)).toMatchObject({
        status: n < 2 ? 'queued' : 'running',
      });
      // Its handler is waiting at its gate: open it.
      await expect.poll(() => gates.has(n)).toBe(true);
      gates.get(n)?.();
      await waitForJob(store, id, (j) => j.status === 'succeeded');
    }
    expect(seen.most).toBe(1);
    expect(runners.map((runner) => runner.activeCount)).toEqual([0, 0]);
  });

  it("checks a type's concurrency when it is registered, and describes it", () => {
    const base = {
      name: 'limited',
      description: 'test',
      execution: 'io' as const,
      input: Type.Object({}),
      timeoutMs: 1000,
      handler: () => Promise.resolve(null),
    };
    for (const concurrency of [0, 1.5, -1]) {
      expect(() => new JobTypeRegistry([defineJobType({ ...base, concurrency })])).toThrow(
        /concurrency must be a whole number/,
      );
    }
    const registry = new JobTypeRegistry([defineJobType({ ...base, concurrency: 3 })]);
    expect(registry.describe()[0]?.concurrency).toBe(3);
    expect(registry.concurrencyLimits()).toEqual({ limited: 3 });
  });
});
