import { describe, expect, it, onTestFinished } from 'vitest';
import type { JobEvent } from '../src/model/job.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import {
  JobWatch,
  type WatchConsumer,
  type WatchItem,
  type WatchOptions,
} from '../src/jobs/job-watch.js';
import { JobEngine } from '../src/jobs/engine.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { delegatingStore } from './helpers/delegating-store.js';

function memoryStore(): SqliteStore {
  const store = new SqliteStore({ path: ':memory:' });
  onTestFinished(() => store.close());
  return store;
}

async function runningJob(store: Store, owner?: string): Promise<string> {
  const { job } = await store.create({ type: 't', input: null, owner });
  await store.claimNext();
  return job.id;
}

const seqs = (items: WatchItem[]) =>
  items.map((i) => (i.type === 'event' ? i.event.seq : `${i.type}@${i.job.seq}`));

/** Opens a watch and starts it, collecting what it delivers. */
async function watchJob(
  store: Store,
  id: string,
  options: WatchOptions,
  consumer: Partial<WatchConsumer> = {},
): Promise<{ watch: JobWatch; items: WatchItem[]; ends: () => number }> {
  const items: WatchItem[] = [];
  let ends = 0;
  const watch = await JobWatch.open(store, id, options);
  await watch.start({
    onItem: (i) => items.push(i),
    onEnd: () => (ends += 1),
    ...consumer,
  });
  return { watch, items, ends: () => ends };
}

describe('job watch', () => {
  it('replays the log after a seq, then delivers live events, each once and in order', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    await store.update(id, { kind: 'progress', progress: 10 });
    const { watch, items, ends } = await watchJob(store, id, { after: 1 });
    expect(seqs(items)).toEqual([2, 3]);
    await store.update(id, { kind: 'progress', progress: 20 });
    await store.update(id, { kind: 'succeeded', result: null });
    await expect.poll(() => seqs(items)).toEqual([2, 3, 4, 5]);
    expect(items.map((i) => i.final)).toEqual([false, false, false, true]);
    expect(watch.lastSeq).toBe(5);
    expect(watch.ended).toBe(true);
    expect(ends()).toBe(1);
    // The terminal event ended it: nothing is left subscribed.
    expect(store.subscriptionCount).toBe(0);
  });

  it('rejects job_not_found for a missing job and leaves no subscription behind', async () => {
    const store = memoryStore();
    await expect(
      JobWatch.open(store, '00000000-0000-4000-8000-000000000000', { after: 0 }),
    ).rejects.toMatchObject({ code: 'job_not_found' });
    expect(store.subscriptionCount).toBe(0);
  });

  it('opens another caller’s job exactly like a missing one', async () => {
    const store = memoryStore();
    const id = await runningJob(store, 'alice');
    const engine = new JobEngine(store, new JobTypeRegistry());
    const missing = '00000000-0000-4000-8000-000000000000';
    const bob = { owner: 'bob' };
    await expect(engine.watch(id, { after: 0, caller: bob })).rejects.toMatchObject({
      code: 'job_not_found',
      message: `no job has id ${id}`,
    });
    await expect(engine.watch(missing, { caller: bob })).rejects.toMatchObject({
      code: 'job_not_found',
      message: `no job has id ${missing}`,
    });
    expect(store.subscriptionCount).toBe(0);
    const asAlice = await engine.watch(id, { after: 0, caller: { owner: 'alice' } });
    expect(asAlice.job).toMatchObject({ id, seq: 2 });
    asAlice.close();
  });

  it('releases its subscription on close and delivers nothing after', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    const { watch, items } = await watchJob(store, id, { after: 2 });
    expect(store.subscriptionCount).toBe(1);
    watch.close();
    watch.close();
    expect(store.subscriptionCount).toBe(0);
    await store.update(id, { kind: 'progress', progress: 50 });
    await new Promise((resolve) => setImmediate(resolve)); // delivery happens a turn later
    expect(items).toEqual([]);
  });

  it('loses nothing when changes race the subscription (subscribe first, then read)', async () => {
    for (let round = 0; round < 50; round++) {
      const inner = memoryStore();
      const id = await runningJob(inner);
      let writes = 0;
      // Every read of the log lets more changes commit "in between", as another request would.
      const racing = delegatingStore(inner, {
        events: async (jobId, after, limit) => {
          const page = await inner.events(jobId, after, limit);
          for (let i = 0; i < 3 && writes < 12; i++, writes++) {
            await inner.update(jobId, { kind: 'progress', progress: writes });
          }
          return page;
        },
      });
      const { items } = await watchJob(racing, id, { after: round % 3, pageSize: 2 });
      await inner.update(id, { kind: 'succeeded', result: null });
      const last = (await inner.get(id))?.seq ?? 0;
      const expected = Array.from({ length: last - (round % 3) }, (_, i) => i + 1 + (round % 3));
      await expect.poll(() => seqs(items), { message: `round ${round}` }).toEqual(expected);
    }
  });

  it('reads a snapshot that is at least as new as anything heard while it opened', async () => {
    const inner = memoryStore();
    const id = await runningJob(inner);
    let first = true;
    // The first read returns the job as it was, then a change commits: the worst timing.
    const racing = delegatingStore(inner, {
      get: async (jobId) => {
        const before = await inner.get(jobId);
        if (first) {
          first = false;
          await inner.update(jobId, { kind: 'progress', progress: 1 });
          await new Promise((resolve) => setImmediate(resolve)); // its event is delivered
        }
        return before;
      },
    });
    const watch = await JobWatch.open(racing, id, { after: 2 });
    expect(watch.job.seq).toBe(3);
    expect(watch.upToDate).toBe(false);
    watch.close();
  });

  it('fills a gap left by a bus that dropped events, from the log', async () => {
    const inner = memoryStore();
    const id = await runningJob(inner);
    const lossy = delegatingStore(inner, {
      subscribe: (topic, listener) =>
        inner.subscribe(topic, (event: JobEvent) => {
          if (event.seq % 2 === 0) return; // drop every even seq
          listener(event);
        }),
    });
    const { items } = await watchJob(lossy, id, { after: 2 });
    // seq 3..7: 4 and 6 are dropped; each gap is noticed when the next event arrives.
    for (let p = 1; p <= 5; p++) await inner.update(id, { kind: 'progress', progress: p });
    await expect.poll(() => seqs(items)).toEqual([3, 4, 5, 6, 7]);
  });

  it('sends a reset with the snapshot when the requested history is gone', async () => {
    const inner = memoryStore();
    const id = await runningJob(inner);
    await inner.update(id, { kind: 'progress', progress: 40 });
    const pruned = delegatingStore(inner, {
      events: async (jobId, after, limit) => {
        const page = await inner.events(jobId, after, limit);
        return page && { events: page.events.filter((e) => e.seq >= 3), firstSeq: 3 };
      },
    });
    const { items } = await watchJob(pruned, id, { after: 0 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'reset', job: { id, seq: 3, progress: 40 } });
    await inner.update(id, { kind: 'progress', progress: 50 });
    await expect.poll(() => seqs(items)).toEqual(['reset@3', 4]);
  });

  it('resets a cursor into compacted history, and resumes one within the kept events', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    for (let i = 0; i < 1198; i++) await store.update(id, { kind: 'progress', progress: i % 100 });
    const compacted = await watchJob(store, id, { after: 5 });
    expect(seqs(compacted.items)).toEqual(['reset@1200']);
    const kept = await watchJob(store, id, { after: 1195 });
    expect(seqs(kept.items)).toEqual([1196, 1197, 1198, 1199, 1200]);
    compacted.watch.close();
    kept.watch.close();
  });

  it('takes progress the bus conflated as the latest, without reading the log again', async () => {
    const inner = memoryStore();
    const id = await runningJob(inner);
    let reads = 0;
    const counting = delegatingStore(inner, {
      events: (jobId, after, limit) => {
        reads++;
        return inner.events(jobId, after, limit);
      },
    });
    // A large fan-out: 150 other subscribers on the job (deferred-delivery.ts).
    for (let i = 0; i < 150; i++) inner.subscribe(`job:${id}`, () => undefined);
    const { items } = await watchJob(counting, id, { after: 2 });
    await inner.update(id, { kind: 'progress', progress: 1 });
    await expect.poll(() => seqs(items)).toEqual([3]);
    const readsBefore = reads;
    // Ten updates in one turn: the bus delivers the last with conflated: 9.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => inner.update(id, { kind: 'progress', progress: i })),
    );
    await expect.poll(() => seqs(items)).toEqual([3, 13]);
    expect(items[1]).toMatchObject({ type: 'event', conflated: 9 });
    expect(reads).toBe(readsBefore);
  });

  it('sends a reset when the cursor is ahead of the job, and a snapshot with none', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    const ahead = await watchJob(store, id, { after: 9 });
    const none = await watchJob(store, id, {});
    expect(seqs(ahead.items)).toEqual(['reset@2']);
    expect(seqs(none.items)).toEqual(['snapshot@2']);
    await store.update(id, { kind: 'progress', progress: 5 });
    await expect.poll(() => seqs(ahead.items)).toEqual(['reset@2', 3]);
    await expect.poll(() => seqs(none.items)).toEqual(['snapshot@2', 3]);
    ahead.watch.close();
    none.watch.close();
  });

  it('delivers a finished job’s whole log and ends', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    await store.update(id, { kind: 'failed', error: { code: 'timeout', message: 'x' } });
    const { watch, items, ends } = await watchJob(store, id, { after: 0 });
    expect(seqs(items)).toEqual([1, 2, 3]);
    expect(watch.ended).toBe(true);
    expect(ends()).toBe(1);
  });

  it('ends at once, with nothing to deliver, when the client has the terminal event', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    await store.update(id, { kind: 'canceled' });
    const watch = await JobWatch.open(store, id, { after: 3 });
    expect(watch.finished).toBe(true);
    const items: WatchItem[] = [];
    let ended = false;
    await watch.start({ onItem: (i) => items.push(i), onEnd: () => (ended = true) });
    expect(items).toEqual([]);
    expect(ended).toBe(true);
    expect(store.subscriptionCount).toBe(0);
  });

  it('paces the replay by the consumer: nothing more is read while it is not ready', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    for (let p = 1; p <= 20; p++) await store.update(id, { kind: 'progress', progress: p });
    let reads = 0;
    const counting = delegatingStore(store, {
      events: (jobId, after, limit) => {
        reads += 1;
        return store.events(jobId, after, limit);
      },
    });
    let release: () => void = () => undefined;
    let full = false;
    const items: WatchItem[] = [];
    const watch = await JobWatch.open(counting, id, { after: 0, pageSize: 5 });
    const started = watch.start({
      onItem: (i) => {
        items.push(i);
        if (items.length === 3) full = true; // the socket fills after three events
      },
      ready: () => (full ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    });
    await expect.poll(() => items.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(items).toHaveLength(3); // held: the consumer is not ready
    expect(reads).toBe(1); // and no further page was read meanwhile
    full = false;
    release();
    await started;
    expect(seqs(items)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    watch.close();
  });

  it('changed() resolves at the first event newer than the snapshot', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    const watch = await JobWatch.open(store, id, { after: 2 });
    expect(watch.upToDate).toBe(true);
    let changed = false;
    void watch.changed().then(() => (changed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(changed).toBe(false);
    await store.update(id, { kind: 'progress', progress: 1 });
    await expect.poll(() => changed).toBe(true);
    await expect(watch.changed()).resolves.toBeUndefined(); // already heard: at once
    watch.close();
    expect(store.subscriptionCount).toBe(0);
  });

  it('reports a store failure while it reads and lets go of the bus', async () => {
    const inner = memoryStore();
    const id = await runningJob(inner);
    const failing = delegatingStore(inner, {
      events: () => Promise.reject(new Error('disk on fire')),
    });
    const errors: unknown[] = [];
    await watchJob(failing, id, { after: 0 }, { onError: (e) => errors.push(e) });
    expect(errors).toMatchObject([{ message: 'disk on fire' }]);
    expect(inner.subscriptionCount).toBe(0);
  });
});
