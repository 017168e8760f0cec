/**
 * The worker pool on its own: cancellation terminates the thread that runs the task, a dead
 * thread fails only its task and the pool starts another, tasks queued behind either still run
 * (piscina alone would strand them), and the stats behind /metrics count threads, queued tasks
 * and wait/run times.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WorkerPool } from '../src/execution/worker-pool.js';
import type { WorkerTaskRef } from '../src/execution/worker-task.js';
import { primesJobType } from '../src/jobs/types/primes.js';
import { crashingCpuJobType } from './helpers/test-job-types.js';

function taskOf(type: typeof primesJobType): WorkerTaskRef {
  if (type.execution !== 'cpu') throw new Error(`${type.name} is not a cpu job type`);
  return type.task;
}
const PRIMES = taskOf(primesJobType);
const CRASH = taskOf(crashingCpuJobType);

function poolOfOne(): WorkerPool {
  const pool = new WorkerPool({ size: 1 });
  onTestFinished(() => pool.close());
  return pool;
}

const never = () => new AbortController().signal;

/** Starts primes(1e9) (seconds of work) and resolves once it reports `percent`. */
async function startLongTask(pool: WorkerPool, signal: AbortSignal, percent: number) {
  const started = performance.now();
  let reached!: () => void;
  const progressed = new Promise<void>((resolve) => (reached = resolve));
  const run = pool.run(
    PRIMES,
    { n: 1_000_000_000 },
    {
      signal,
      onProgress: (p) => {
        if (p >= percent) reached();
      },
    },
  );
  run.catch(() => undefined); // awaited by the caller after it aborts
  await progressed;
  return { run, elapsed: performance.now() - started };
}

describe('worker pool', () => {
  it('cancellation terminates the thread, so the next task does not wait for the old one', async () => {
    const pool = poolOfOne();
    const controller = new AbortController();
    const long = await startLongTask(pool, controller.signal, 5);
    const reason = new Error('canceled by the test');
    controller.abort(reason);
    await expect(long.run).rejects.toBe(reason);
    expect(pool.stats.threads).toBe(0); // terminated, not left computing in the background

    // The long task had ~95% of its work left: 19× what it took to reach 5%.
    const started = performance.now();
    await expect(
      pool.run(PRIMES, { n: 1000 }, { signal: never(), onProgress() {} }),
    ).resolves.toEqual({ n: 1000, count: 168 });
    expect(performance.now() - started).toBeLessThan(long.elapsed * 8 + 2000);
  });

  it('a crashed thread fails only its task with worker_crashed; the task queued behind it runs', async () => {
    const pool = poolOfOne();
    const crashed = pool.run(CRASH, {}, { signal: never(), onProgress() {} });
    const behind = pool.run(PRIMES, { n: 100 }, { signal: never(), onProgress() {} });
    expect(pool.stats.queued).toBe(1);
    await expect(crashed).rejects.toMatchObject({
      code: 'worker_crashed',
      message: 'the worker thread running the job exited abnormally',
    });
    await expect(behind).resolves.toEqual({ n: 100, count: 25 });
    expect(pool.stats.threads).toBe(1); // a fresh thread replaced the dead one
  });

  it('a task canceled while queued leaves the queue without running', async () => {
    const pool = poolOfOne();
    const first = new AbortController();
    const long = await startLongTask(pool, first.signal, 1);
    const second = new AbortController();
    const queued = pool.run(PRIMES, { n: 1000 }, { signal: second.signal, onProgress() {} });
    expect(pool.stats.queued).toBe(1);
    const reason = new Error('canceled while queued');
    second.abort(reason);
    await expect(queued).rejects.toBe(reason);
    expect(pool.stats.queued).toBe(0);
    first.abort(new Error('done'));
    await long.run.catch(() => undefined);
    expect(pool.stats.completed).toBe(1); // only the long task ever reached a thread
  });

  it('runs a task queued behind a canceled one, and records wait and run times', async () => {
    const pool = poolOfOne();
    const controller = new AbortController();
    const longFrom = performance.now();
    const long = await startLongTask(pool, controller.signal, 1);
    const queued = pool.run(PRIMES, { n: 1000 }, { signal: never(), onProgress() {} });
    expect(pool.stats.queued).toBe(1);
    const waitFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('make room'));
    await expect(queued).resolves.toEqual({ n: 1000, count: 168 });
    const waited = performance.now() - waitFrom;
    await long.run.catch(() => undefined);
    const longTotal = performance.now() - longFrom;

    const stats = pool.stats;
    expect(stats.queued).toBe(0);
    expect(stats.completed).toBe(2);
    // Milliseconds: the queued task waited at least the 50 ms above, and not much longer.
    expect(stats.waitMs.max).toBeGreaterThanOrEqual(45);
    expect(stats.waitMs.max).toBeLessThan(waited + 5000);
    // The long task ran on through the 50 ms above; its run time cannot exceed its whole life.
    // (Not a share of long.elapsed: that includes starting the thread, slow on a loaded machine.)
    expect(stats.runMs.max).toBeGreaterThanOrEqual(45);
    expect(stats.runMs.max).toBeLessThanOrEqual(longTotal + 5);
  });
});
