import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { startEngine } from './helpers/engine-fixture.js';
import { tempDir } from './helpers/temp-dir.js';
import { isFinished, recordEvents, waitForJob } from './helpers/wait-for-job.js';

describe('runner', () => {
  it('runs a job to success with its progress in the log', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 20 } });
    const done = await waitForJob(store, job.id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { slept: 20 } });
    const kinds = (await store.events(job.id, 0))?.events.map((e) => `${e.kind}:${e.progress}`);
    expect(kinds).toEqual(['queued:0', 'started:0', 'progress:50', 'succeeded:100']);
  });

  it('never runs more jobs at once than its concurrency', async () => {
    const { engine, store } = await startEngine({ concurrency: 2 });
    let runningNow = 0;
    let peak = 0;
    store.subscribe('jobs', (e) => {
      if (e.kind === 'started') peak = Math.max(peak, ++runningNow);
      if (e.kind === 'succeeded') runningNow--;
    });
    const ids = await Promise.all(
      Array.from(
        { length: 6 },
        async () => (await engine.submit({ type: 'sleeper', input: { ms: 30 } })).job.id,
      ),
    );
    for (const id of ids) await waitForJob(store, id, (j) => j.status === 'succeeded');
    expect(peak).toBe(2);
  });

  it('cancels a queued job without running it', async () => {
    const { engine, store } = await startEngine({ concurrency: 1 });
    const blocker = (await engine.submit({ type: 'sleeper', input: { ms: 300 } })).job;
    const queued = (await engine.submit({ type: 'sleeper', input: { ms: 10 } })).job;
    const canceled = await engine.cancel(queued.id);
    expect(canceled).toMatchObject({ status: 'canceled', attempt: 0 });
    await waitForJob(store, blocker.id, isFinished);
    expect(await store.get(queued.id)).toMatchObject({ status: 'canceled', attempt: 0 });
  });

  it('aborts a running job on cancel and ignores what its handler does afterwards', async () => {
    const { engine, store, runner } = await startEngine();
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 400, ignoreAbort: true } });
    await waitForJob(store, job.id, (j) => j.progress === 50);
    const recorder = recordEvents(store, job.id);
    const canceled = await engine.cancel(job.id);
    expect(canceled.status).toBe('canceled');
    // The handler ignores its signal and keeps its slot until it returns; then nothing changes.
    await expect.poll(() => runner.activeCount, { timeout: 5000 }).toBe(0);
    expect(await store.get(job.id)).toMatchObject({ status: 'canceled', seq: canceled.seq });
    expect(recorder.events.map((e) => e.kind)).toEqual(['canceled']);
  });

  it('cancel is idempotent and refuses finished jobs', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 1 } });
    await waitForJob(store, job.id, isFinished);
    await expect(engine.cancel(job.id)).rejects.toMatchObject({ code: 'job_finished' });
    const other = (await engine.submit({ type: 'sleeper', input: { ms: 10_000 } })).job;
    const once = await engine.cancel(other.id);
    expect(await engine.cancel(other.id)).toEqual(once);
  });

  it('fails a job that exceeds its type timeout', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'slow', input: { ms: 5000 } });
    const done = await waitForJob(store, job.id, isFinished);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', message: 'the job ran longer than 100 ms' },
    });
  });

  it('records a JobFailure message, and only a generic message for other errors', async () => {
    const { engine, store } = await startEngine();
    const safe = (await engine.submit({ type: 'failing', input: { safe: true } })).job;
    const unsafe = (await engine.submit({ type: 'failing', input: { safe: false } })).job;
    expect(await waitForJob(store, safe.id, isFinished)).toMatchObject({
      status: 'failed',
      error: { code: 'file_not_found', message: 'no file "x"' },
    });
    const failed = await waitForJob(store, unsafe.id, isFinished);
    expect(failed.error).toEqual({ code: 'handler_error', message: 'the job failed unexpectedly' });
    expect(JSON.stringify(await store.events(unsafe.id, 0))).not.toContain('secret');
  });

  it('fails a job whose type is not registered any more', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { job } = await store.create({ type: 'retired-type', input: {} });
    await startEngine({ store });
    expect(await waitForJob(store, job.id, isFinished)).toMatchObject({
      status: 'failed',
      error: { code: 'unknown_job_type' },
    });
  });

  describe('recovery of jobs left running by a crash', () => {
    async function crashedStore(attempts: number) {
      const path = join(tempDir(), 'jobs.db');
      const store = new SqliteStore({ path });
      const { job } = await store.create({ type: 'sleeper', input: { ms: 10 } });
      for (let i = 0; i < attempts; i++) {
        await store.claimNext();
        if (i < attempts - 1) await store.update(job.id, { kind: 'requeued', reason: 'test' });
      }
      await store.close(); // the "crash": the job is left running
      return { path, id: job.id };
    }

    it('re-queues and reruns them under the requeue policy', async () => {
      const { path, id } = await crashedStore(1);
      const { store } = await startEngine({ store: new SqliteStore({ path }) });
      const done = await waitForJob(store, id, isFinished);
      expect(done).toMatchObject({ status: 'succeeded', attempt: 2 });
      const kinds = (await store.events(id, 0))?.events.map((e) => e.kind);
      expect(kinds).toEqual(['queued', 'started', 'requeued', 'started', 'progress', 'succeeded']);
    });

    it('fails them as interrupted once they reached maxAttempts', async () => {
      const { path, id } = await crashedStore(2);
      const { store } = await startEngine({ store: new SqliteStore({ path }), maxAttempts: 2 });
      expect(await store.get(id)).toMatchObject({
        status: 'failed',
        error: { code: 'interrupted' },
      });
    });

    it('fails them as interrupted under the fail policy', async () => {
      const { path, id } = await crashedStore(1);
      const { store } = await startEngine({ store: new SqliteStore({ path }), recovery: 'fail' });
      expect(await store.get(id)).toMatchObject({
        status: 'failed',
        error: { code: 'interrupted' },
      });
    });
  });

  it('hands running jobs back at shutdown after the grace period', async () => {
    const { engine, store, runner } = await startEngine();
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 10_000 } });
    await waitForJob(store, job.id, (j) => j.status === 'running');
    const started = performance.now();
    await runner.close(50);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued', progress: 0 });
    const last = (await store.events(job.id, 0))?.events.at(-1);
    expect(last).toMatchObject({ kind: 'requeued', data: { reason: 'shutdown' } });
  });

  it('lets running jobs finish when they do so within the grace period', async () => {
    const { engine, store, runner } = await startEngine();
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 60 } });
    await waitForJob(store, job.id, (j) => j.status === 'running');
    await runner.close(5000);
    expect(await store.get(job.id)).toMatchObject({ status: 'succeeded' });
  });
});
