import { describe, expect, it, onTestFinished } from 'vitest';
import type { JobEvent } from '../src/model/job.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { openJobFeed, type FeedItem } from '../src/jobs/job-feed.js';
import { delegatingStore } from './helpers/delegating-store.js';

function memoryStore(): SqliteStore {
  const store = new SqliteStore({ path: ':memory:' });
  onTestFinished(() => store.close());
  return store;
}

async function runningJob(store: Store): Promise<string> {
  const { job } = await store.create({ type: 't', input: null });
  await store.claimNext();
  return job.id;
}

const seqs = (items: FeedItem[]) =>
  items.map((i) => (i.type === 'event' ? i.event.seq : `reset@${i.job.seq}`));

describe('job feed', () => {
  it('replays the log after a seq, then delivers live events, each once and in order', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    await store.update(id, { kind: 'progress', progress: 10 });
    const items: FeedItem[] = [];
    const feed = await openJobFeed(store, id, { after: 1, onItem: (i) => items.push(i) });
    expect(seqs(items)).toEqual([2, 3]);
    await store.update(id, { kind: 'progress', progress: 20 });
    await store.update(id, { kind: 'succeeded', result: null });
    expect(seqs(items)).toEqual([2, 3, 4, 5]);
    expect(feed?.lastSeq).toBe(5);
    expect(feed?.ended).toBe(true);
  });

  it('resolves undefined for a missing job and leaves no subscription behind', async () => {
    const store = memoryStore();
    const feed = await openJobFeed(store, '00000000-0000-4000-8000-000000000000', {
      after: 0,
      onItem: () => undefined,
    });
    expect(feed).toBeUndefined();
    expect(store.subscriptionCount).toBe(0);
  });

  it('releases its subscription on close and delivers nothing after', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    const items: FeedItem[] = [];
    const feed = await openJobFeed(store, id, { after: 2, onItem: (i) => items.push(i) });
    expect(store.subscriptionCount).toBe(1);
    feed?.close();
    feed?.close();
    expect(store.subscriptionCount).toBe(0);
    await store.update(id, { kind: 'progress', progress: 50 });
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
      const items: FeedItem[] = [];
      await openJobFeed(racing, id, {
        after: round % 3,
        onItem: (i) => items.push(i),
        pageSize: 2,
      });
      await inner.update(id, { kind: 'succeeded', result: null });
      const last = (await inner.get(id))?.seq ?? 0;
      const expected = Array.from({ length: last - (round % 3) }, (_, i) => i + 1 + (round % 3));
      expect(seqs(items), `round ${round}`).toEqual(expected);
    }
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
    const items: FeedItem[] = [];
    await openJobFeed(lossy, id, { after: 2, onItem: (i) => items.push(i) });
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
    const items: FeedItem[] = [];
    await openJobFeed(pruned, id, { after: 0, onItem: (i) => items.push(i) });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'reset', job: { id, seq: 3, progress: 40 } });
    await inner.update(id, { kind: 'progress', progress: 50 });
    expect(seqs(items)).toEqual(['reset@3', 4]);
  });

  it('delivers a finished job’s whole log and ends', async () => {
    const store = memoryStore();
    const id = await runningJob(store);
    await store.update(id, { kind: 'failed', error: { code: 'timeout', message: 'x' } });
    const items: FeedItem[] = [];
    const feed = await openJobFeed(store, id, { after: 0, onItem: (i) => items.push(i) });
    expect(seqs(items)).toEqual([1, 2, 3]);
    expect(feed?.ended).toBe(true);
  });
});
