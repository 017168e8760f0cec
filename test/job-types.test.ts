import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countPrimesBelow } from '../src/jobs/types/primes-task.js';
import { startEngine } from './helpers/engine-fixture.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

describe('demo job', () => {
  it('advances 10% per step from 0 to 100 and succeeds', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'demo', input: { stepMs: 10 } });
    expect(job).toMatchObject({ status: 'queued', progress: 0, input: { stepMs: 10 } });
    const done = await waitForJob(store, job.id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, seq: 12 });
    const progress = (await store.events(job.id, 0))?.events.map((e) => e.progress);
    expect(progress).toEqual([0, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('defaults to 3 s steps and bounds stepMs', async () => {
    const { engine } = await startEngine();
    const { job } = await engine.submit({ type: 'demo', input: {} });
    expect(job.input).toEqual({ stepMs: 3000 });
    await expect(engine.submit({ type: 'demo', input: { stepMs: 5 } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(engine.submit({ type: 'demo', input: { stepMs: 60_001 } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('stops at once when canceled mid-way', async () => {
    const { engine, store, runner } = await startEngine();
    const { job } = await engine.submit({ type: 'demo', input: { stepMs: 20 } });
    await waitForJob(store, job.id, (j) => j.progress >= 20);
    await engine.cancel(job.id);
    await expect.poll(() => runner.activeCount).toBe(0);
    const final = await store.get(job.id);
    expect(final?.status).toBe('canceled');
    expect(final?.progress).toBeLessThan(100);
  });
});

describe('hash-file job', () => {
  it('hashes a file in the data directory with progress by bytes', async () => {
    const { engine, store, dataDir } = await startEngine();
    const content = randomBytes(5 * 1024 * 1024 + 123);
    writeFileSync(join(dataDir, 'blob.bin'), content);
    const { job } = await engine.submit({ type: 'hash-file', input: { path: 'blob.bin' } });
    const done = await waitForJob(store, job.id, isFinished);
    expect(done.result).toEqual({
      path: 'blob.bin',
      bytes: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    const progress = (await store.events(job.id, 0))?.events.filter((e) => e.kind === 'progress');
    // Reports the worker sends faster than they are written coalesce (the latest wins).
    expect(progress?.length).toBeGreaterThanOrEqual(1);
    expect(progress?.at(-1)?.data).toMatchObject({ totalBytes: content.length });
  });

  it('hashes an empty file', async () => {
    const { engine, store, dataDir } = await startEngine();
    writeFileSync(join(dataDir, 'empty'), '');
    const { job } = await engine.submit({ type: 'hash-file', input: { path: 'empty' } });
    expect((await waitForJob(store, job.id, isFinished)).result).toMatchObject({
      bytes: 0,
      sha256: createHash('sha256').digest('hex'),
    });
  });

  it('fails with file_not_found for a missing file, without leaking the real path', async () => {
    const { engine, store, dataDir } = await startEngine();
    const { job } = await engine.submit({ type: 'hash-file', input: { path: 'missing.txt' } });
    const done = await waitForJob(store, job.id, isFinished);
    expect(done.error).toEqual({ code: 'file_not_found', message: 'no file "missing.txt"' });
    expect(JSON.stringify(done)).not.toContain(dataDir);
  });

  it('fails with not_a_file for a directory', async () => {
    const { engine, store, dataDir } = await startEngine();
    mkdirSync(join(dataDir, 'sub'));
    const { job } = await engine.submit({ type: 'hash-file', input: { path: 'sub' } });
    expect((await waitForJob(store, job.id, isFinished)).error?.code).toBe('not_a_file');
  });
});

describe('primes job', () => {
  it('counts primes correctly (known values of π(n))', () => {
    expect(countPrimesBelow(2)).toBe(0);
    expect(countPrimesBelow(3)).toBe(1);
    expect(countPrimesBelow(10)).toBe(4);
    expect(countPrimesBelow(100)).toBe(25);
    expect(countPrimesBelow(1_000_000)).toBe(78_498);
    expect(countPrimesBelow(1_000_003)).toBe(78_498); // 1,000,003 is prime: not counted
    expect(countPrimesBelow(1_000_004)).toBe(78_499);
  });

  it('runs in a worker thread and reports progress from it', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'primes', input: { n: 5_000_000 } });
    const done = await waitForJob(store, job.id, isFinished, 20_000);
    expect(done).toMatchObject({ status: 'succeeded', result: { n: 5_000_000, count: 348_513 } });
    const progress = (await store.events(job.id, 0))?.events.filter((e) => e.kind === 'progress');
    expect(progress?.length).toBeGreaterThan(5);
    const values = progress?.map((e) => e.progress) ?? [];
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('is canceled by terminating its worker, and the pool keeps working', async () => {
    const { engine, store, runner } = await startEngine();
    const { job } = await engine.submit({ type: 'primes', input: { n: 1_000_000_000 } });
    await waitForJob(store, job.id, (j) => j.progress >= 1, 20_000);
    await engine.cancel(job.id);
    await expect.poll(() => runner.activeCount, { timeout: 5000 }).toBe(0);
    const next = (await engine.submit({ type: 'primes', input: { n: 1000 } })).job;
    expect((await waitForJob(store, next.id, isFinished, 20_000)).result).toEqual({
      n: 1000,
      count: 168,
    });
  });

  it('fails a job whose worker thread dies, and replaces the worker', async () => {
    const { engine, store } = await startEngine();
    const { job } = await engine.submit({ type: 'crash', input: {} });
    expect((await waitForJob(store, job.id, isFinished, 20_000)).error).toEqual({
      code: 'worker_crashed',
      message: 'the worker thread running the job exited abnormally',
    });
    const next = (await engine.submit({ type: 'primes', input: { n: 100 } })).job;
    expect((await waitForJob(store, next.id, isFinished, 20_000)).result).toEqual({
      n: 100,
      count: 25,
    });
  });
});
