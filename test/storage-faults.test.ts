/**
 * Issue 14 item 3 at the engine level, with a store whose writes can be made to fail as a full
 * disk fails them (storage_full): the runner and executor must drive every job on by
 * themselves once writes succeed again — no restart, no further submit. The real full disk
 * (tmpfs) is in test/full-disk.test.ts and torture case 19.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/model/errors/app-error.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, WriteFailure } from '../src/store/store.js';
import { delegatingStore } from './helpers/delegating-store.js';
import { startEngine } from './helpers/engine-fixture.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

type Write = 'create' | 'update' | 'claimNext';

/** A real SQLite store whose listed writes reject with storage_full while `failing` holds them. */
function faultyStore(): { store: Store; failing: Set<Write>; refused: () => number } {
  const inner = new SqliteStore({ path: ':memory:' });
  const failing = new Set<Write>();
  let refused = 0;
  const refuse = (write: Write) => {
    if (!failing.has(write)) return false;
    refused++;
    return true;
  };
  const full = () => Promise.reject(new AppError('storage_full', 'the disk is full'));
  const store = delegatingStore(inner, {
    create: (job) => (refuse('create') ? full() : inner.create(job)),
    update: (id, change) => (refuse('update') ? full() : inner.update(id, change)),
    claimNext: (...args) => (refuse('claimNext') ? full() : inner.claimNext(...args)),
  });
  return { store, failing, refused: () => refused };
}

describe('a store that refuses writes (full disk)', () => {
  it('records a finished job once writes succeed again, without a restart', async () => {
    const { store, failing, refused } = faultyStore();
    const { engine } = await startEngine({ store });
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 40 } });
    await waitForJob(store, job.id, (j) => j.status === 'running');
    failing.add('update'); // its progress and its `succeeded` are refused
    await expect.poll(refused, { timeout: 5000 }).toBeGreaterThanOrEqual(3); // retried
    expect(await store.get(job.id)).toMatchObject({ status: 'running' });
    const restored = performance.now();
    failing.clear();
    const done = await waitForJob(store, job.id, isFinished, 5000);
    expect(done).toMatchObject({ status: 'succeeded', result: { slept: 40 } });
    expect(performance.now() - restored).toBeLessThan(3000); // retries are at most 1 s apart
  });

  it('claims queued work once claims succeed again, without waiting for a new submit', async () => {
    const { store, failing, refused } = faultyStore();
    failing.add('claimNext');
    const { engine } = await startEngine({ store });
    const { job } = await engine.submit({ type: 'sleeper', input: { ms: 1 } });
    await expect.poll(refused, { timeout: 5000 }).toBeGreaterThanOrEqual(3); // re-polled
    expect(await store.get(job.id)).toMatchObject({ status: 'queued' });
    failing.clear();
    expect(await waitForJob(store, job.id, isFinished, 5000)).toMatchObject({
      status: 'succeeded',
    });
  });

  it('answers a submit and a cancel with storage_full, and changes nothing', async () => {
    const { store, failing } = faultyStore();
    const { engine } = await startEngine({ store, concurrency: 1 });
    const running = (await engine.submit({ type: 'sleeper', input: { ms: 5000 } })).job;
    failing.add('create').add('update');
    await expect(engine.submit({ type: 'sleeper', input: { ms: 1 } })).rejects.toMatchObject({
      code: 'storage_full',
      status: 503,
    });
    await expect(engine.cancel(running.id)).rejects.toMatchObject({ code: 'storage_full' });
    failing.clear();
    expect(await engine.cancel(running.id)).toMatchObject({ status: 'canceled' });
  });

  it('is not ready while the store reports its writes failing, and ready again after', async () => {
    let failure: WriteFailure | undefined = {
      code: 'storage_full',
      message: 'the disk is full',
      since: Date.now(),
    };
    const inner = new SqliteStore({ path: ':memory:' });
    const store = delegatingStore(inner, { writeFailure: () => failure });
    const { engine } = await startEngine({ store, concurrency: 1 });
    await expect(engine.ready()).rejects.toMatchObject({ code: 'storage_full', status: 503 });
    failure = undefined;
    await expect(engine.ready()).resolves.toBeUndefined();
  });
});
