/**
 * The lifecycle contract on each closeable part on its own: close twice, close while closing,
 * close before start, and what a closed part refuses.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LoopDelayMonitor } from '../src/execution/loop-delay-monitor.js';
import { WorkerPool } from '../src/execution/worker-pool.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { RetentionPruner } from '../src/jobs/retention.js';
import { Runner } from '../src/jobs/runners/runner.js';
import { builtInJobTypes } from '../src/jobs/types/built-in.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

function runnerOn(store: SqliteStore, pool: WorkerPool): Runner {
  return new Runner({
    store,
    registry: new JobTypeRegistry(builtInJobTypes(tempDir())),
    pool,
    logger,
    concurrency: 1,
    recovery: 'requeue',
    maxAttempts: 3,
  });
}

describe('the lifecycle of each part', () => {
  it('runner: close before start ends closed, and a closed runner refuses to start', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const pool = new WorkerPool({ size: 1 });
    const runner = runnerOn(store, pool);
    expect(runner.state).toBe('running');
    const closing = runner.close();
    expect(runner.close(5000)).toBe(closing);
    await closing;
    expect(runner.state).toBe('closed');
    expect(() => runner.start()).toThrow('the runner is closed');
    // Nothing was claimed: a job submitted now stays queued.
    const { job } = await store.create({ type: 'demo', input: {} });
    expect((await store.get(job.id))?.status).toBe('queued');
    await pool.close();
    await store.close();
  });

  it('runner: close while starting waits for crash recovery, then claims nothing', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const pool = new WorkerPool({ size: 1 });
    const { job } = await store.create({ type: 'demo', input: { stepMs: 60_000 } });
    await store.claimNext(); // left running, as by a crashed process
    const runner = runnerOn(store, pool);
    const starting = runner.start();
    const closing = runner.close();
    expect(runner.state).toBe('closing');
    await starting;
    await closing;
    expect(runner.state).toBe('closed');
    expect(() => runner.start()).toThrow('already started');
    // Recovery requeued the job before the close finished; the closed runner did not take it.
    expect(await store.get(job.id)).toMatchObject({ status: 'queued', attempt: 1 });
    expect(runner.activeCount).toBe(0);
    await pool.close();
    await store.close();
  });

  it('worker pool: memoised close; a closed pool refuses tasks', async () => {
    const pool = new WorkerPool({ size: 1 });
    const closing = pool.close();
    expect(pool.state).toBe('closing');
    expect(pool.close()).toBe(closing);
    await closing;
    expect(pool.state).toBe('closed');
    await expect(
      pool.run({ module: 'unused' }, undefined, {
        signal: new AbortController().signal,
        onProgress: () => undefined,
      }),
    ).rejects.toThrow('the worker pool is closed');
  });

  it('SQLite store: commits accepted writes, then refuses new ones; close is memoised', async () => {
    const path = `${tempDir()}/jobs.db`;
    const store = new SqliteStore({ path });
    const created = store.create({ type: 'demo', input: {} });
    const closing = store.close();
    expect(store.state).toBe('closing');
    expect(store.close()).toBe(closing);
    const { job } = await created;
    await closing;
    expect(store.state).toBe('closed');
    await expect(store.create({ type: 'demo', input: {} })).rejects.toThrow('the store is closed');
    const reopened = new SqliteStore({ path });
    expect((await reopened.get(job.id))?.id).toBe(job.id);
    await reopened.close();
  });

  it('retention pruner and loop-delay monitor: memoised close, closed state', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const pruner = new RetentionPruner(store, 60_000, logger);
    const monitor = new LoopDelayMonitor(1000);
    for (const part of [pruner, monitor]) {
      const closing = part.close();
      expect(part.close()).toBe(closing);
      await closing;
      expect(part.state).toBe('closed');
    }
    expect(monitor.snapshot().windowMs).toBe(1000);
    await store.close();
  });
});
