/**
 * The runner's queue semantics (issue 16, issue 14 item 7): batch claims fill every free slot
 * under a storm of submits; retries wait exactly their backoff (fake clock); a delayed job
 * starts when due, also after a restart; a job never runs more often than its attempts.
 */
import { join } from 'node:path';
import Type from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import { JobFailure } from '../src/model/errors/job-failure.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { startEngine } from './helpers/engine-fixture.js';
import { delegatingStore } from './helpers/delegating-store.js';
import { tempDir } from './helpers/temp-dir.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

/** Holds every run until released, so the test can count how many run at once. */
function gateJobType() {
  let open: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (open = resolve));
  const type = defineJobType({
    name: 'gate',
    description: 'test: waits for the gate',
    execution: 'io',
    input: Type.Object({}),
    timeoutMs: 120_000,
    handler: async () => {
      await released;
      return null;
    },
  });
  return {
    type,
    release: () => {
      open();
    },
  };
}

/** Fails (retryably) until its attempt reaches `succeedOn`; counts every run. */
const runs = new Map<string, number>();
const flakyJobType = defineJobType({
  name: 'flaky',
  description: 'test: fails until a given attempt',
  execution: 'io',
  input: Type.Object({ succeedOn: Type.Integer(), final: Type.Optional(Type.Boolean()) }),
  timeoutMs: 120_000,
  async handler(input, ctx) {
    runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
    await Promise.resolve();
    if (ctx.attempt >= input.succeedOn) return { attempt: ctx.attempt };
    throw new JobFailure('flaky', `attempt ${ctx.attempt} failed`, {
      retryable: input.final !== true,
    });
  },
});

const NO_TIMEOUT = 2 ** 30;

afterEach(() => {
  vi.useRealTimers();
});

describe('runner queue semantics', () => {
  it('runs 1000 jobs at once with --concurrency 1000 under a storm of submits', async () => {
    const gate = gateJobType();
    const inner = new SqliteStore({ path: ':memory:' });
    let claims = 0;
    const counting = delegatingStore(inner, {
      claimNext: (limit) => {
        claims++;
        return inner.claimNext(limit);
      },
    });
    const { engine, store, runner } = await startEngine({
      store: counting,
      concurrency: 1000,
      jobTypes: [gate.type],
    });
    let peak = 0;
    store.subscribe('jobs', () => (peak = Math.max(peak, runner.activeCount)));
    const ids = await Promise.all(
      Array.from({ length: 1200 }, async () => (await engine.submit({ type: 'gate' })).job.id),
    );
    await expect.poll(() => runner.activeCount, { timeout: 30_000 }).toBe(1000);
    expect((await store.countByStatus()).running).toBe(1000);
    // Each claim takes every due job up to the free slots: one claim per job (the old way,
    // one per loop turn) would need 1000.
    expect(claims).toBeLessThan(200);
    gate.release();
    for (const id of ids) await waitForJob(store, id, isFinished, 60_000);
    expect(peak).toBe(1000);
  }, 90_000);

  it('retries after exactly the backoff, and runs a job no more often than its attempts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { engine, store } = await startEngine({ jobTypes: [flakyJobType] });
    const backoff = { type: 'fixed' as const, delayMs: 10_000, jitter: 0 };
    const { job } = await engine.submit({
      type: 'flaky',
      input: { succeedOn: 9 },
      attempts: 3,
      backoff,
    });
    const waiting = await waitForJob(store, job.id, (j) => j.runAt !== undefined, NO_TIMEOUT);
    expect(waiting).toMatchObject({ status: 'queued', attempt: 1, error: { code: 'flaky' } });
    await vi.advanceTimersByTimeAsync(9_900);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued', attempt: 1 });
    await vi.advanceTimersByTimeAsync(200);
    await waitForJob(store, job.id, (j) => j.attempt === 2 && j.runAt !== undefined, NO_TIMEOUT);
    await vi.advanceTimersByTimeAsync(10_100);
    const done = await waitForJob(store, job.id, isFinished, NO_TIMEOUT);
    expect(done).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: { code: 'flaky', message: 'attempt 3 failed' },
    });
    expect(runs.get(job.id)).toBe(3);
    const kinds = (await store.events(job.id, 0))?.events.map((e) => e.kind);
    expect(kinds).toEqual([
      'queued',
      'started',
      'retrying',
      'started',
      'retrying',
      'started',
      'failed',
    ]);
  });

  it('succeeds on a later attempt, and never retries a failure marked not retryable', async () => {
    const { engine, store } = await startEngine({ jobTypes: [flakyJobType] });
    const backoff = { type: 'fixed' as const, delayMs: 0 };
    const ok = (
      await engine.submit({ type: 'flaky', input: { succeedOn: 2 }, attempts: 3, backoff })
    ).job;
    const final = (
      await engine.submit({ type: 'flaky', input: { succeedOn: 9, final: true }, attempts: 3 })
    ).job;
    expect(await waitForJob(store, ok.id, isFinished)).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      result: { attempt: 2 },
    });
    expect(await waitForJob(store, final.id, isFinished)).toMatchObject({
      status: 'failed',
      attempt: 1,
    });
    expect(runs.get(final.id)).toBe(1);
  });

  it('starts a delayed job when it is due, also after a restart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const path = join(tempDir(), 'jobs.db');
    const first = new SqliteStore({ path });
    const before = await startEngine({ store: first });
    const { job } = await before.engine.submit({
      type: 'sleeper',
      input: { ms: 1 },
      delayMs: 60_000,
    });
    expect(job).toMatchObject({
      status: 'queued',
      runAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await before.runner.close();
    await first.close();

    const store = new SqliteStore({ path });
    await startEngine({ store });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued', attempt: 0 });
    await vi.advanceTimersByTimeAsync(1_100);
    expect(await waitForJob(store, job.id, isFinished, NO_TIMEOUT)).toMatchObject({
      status: 'succeeded',
    });
  });
});
