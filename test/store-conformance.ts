/**
 * The behaviour every Store implementation must have. Each implementation's test file calls
 * `storeConformance` with a factory that returns a fresh, empty store.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { AppError } from '../src/model/errors/app-error.js';
import { isJobId, type JobEvent } from '../src/model/job.js';
import { COMPACT_EVERY, LOG_KEEP } from '../src/store/log-compaction.js';
import type { Store } from '../src/store/store.js';
import type { TopicMessage } from '../src/model/topic.js';
import { leaseConformance } from './lease-conformance.js';

/** Claims one job, as a runner with one free slot does. */
export async function claimOne(store: Store) {
  return (await store.claimNext(1)).jobs[0];
}

export function storeConformance(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`${name} store conformance`, () => {
    async function fresh(): Promise<Store> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      return store;
    }

    async function running(store: Store, input: unknown = {}) {
      const { job } = await store.create({ type: 't', input });
      const claimed = await claimOne(store);
      expect(claimed?.id).toBe(job.id);
      return job.id;
    }

    it('creates a queued job whose log starts with a queued event at seq 1', async () => {
      const store = await fresh();
      const seen: JobEvent[] = [];
      store.subscribe('jobs', (e) => seen.push(e));
      const result = await store.create({ type: 'demo', input: { stepMs: 10 } });
      expect(result.outcome).toBe('created');
      const { job } = result;
      expect(isJobId(job.id)).toBe(true);
      expect(job).toMatchObject({
        type: 'demo',
        status: 'queued',
        progress: 0,
        seq: 1,
        attempt: 0,
      });
      expect(job.input).toEqual({ stepMs: 10 });
      expect(await store.get(job.id)).toEqual(job);
      const page = await store.events(job.id, 0);
      expect(page?.events).toEqual([
        expect.objectContaining({ jobId: job.id, seq: 1, kind: 'queued', status: 'queued' }),
      ]);
      // Delivery may be asynchronous (Redis pub/sub): wait for it, then check it was exact.
      await expect.poll(() => seen.length).toBe(1);
      expect(seen.map((e) => [e.jobId, e.seq, e.kind])).toEqual([[job.id, 1, 'queued']]);
    });

    it('answers undefined for a job that does not exist', async () => {
      const store = await fresh();
      expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await store.events('00000000-0000-4000-8000-000000000000', 0)).toBeUndefined();
    });

    it('replays the same job for a repeated idempotency key and flags a changed request', async () => {
      const store = await fresh();
      const first = await store.create({ type: 't', input: { a: 1, b: 2 }, idempotencyKey: 'k1' });
      const again = await store.create({ type: 't', input: { b: 2, a: 1 }, idempotencyKey: 'k1' });
      const changed = await store.create({ type: 't', input: { a: 2 }, idempotencyKey: 'k1' });
      const other = await store.create({ type: 't', input: { a: 1, b: 2 }, idempotencyKey: 'k2' });
      expect(first.outcome).toBe('created');
      expect(again).toEqual({ outcome: 'replayed', job: first.job });
      expect(changed.outcome).toBe('conflict');
      expect(changed.job.id).toBe(first.job.id);
      expect(other.job.id).not.toBe(first.job.id);
      const page = await store.list({ limit: 10 });
      expect(page.jobs).toHaveLength(2);
    });

    it('claims queued jobs oldest first, starting each with attempt 1', async () => {
      const store = await fresh();
      const a = (await store.create({ type: 't', input: 1 })).job;
      const b = (await store.create({ type: 't', input: 2 })).job;
      const first = await claimOne(store);
      const second = await claimOne(store);
      expect([first?.id, second?.id]).toEqual([a.id, b.id]);
      expect(first).toMatchObject({ status: 'running', seq: 2, attempt: 1 });
      expect(await claimOne(store)).toBeUndefined();
      const page = await store.events(a.id, 1);
      expect(page?.events).toEqual([
        expect.objectContaining({
          seq: 2,
          kind: 'started',
          status: 'running',
          data: { attempt: 1 },
        }),
      ]);
    });

    it('records progress, success and failure as events with growing seq', async () => {
      const store = await fresh();
      const id = await running(store);
      const p = await store.update(id, { kind: 'progress', progress: 42.4, data: { step: 1 } });
      expect(p.job).toMatchObject({ status: 'running', progress: 42, seq: 3 });
      expect(p.event).toMatchObject({
        jobId: id,
        seq: 3,
        kind: 'progress',
        progress: 42,
        data: { step: 1 },
      });
      const done = await store.update(id, { kind: 'succeeded', result: { answer: 42 } });
      expect(done.job).toMatchObject({
        status: 'succeeded',
        progress: 100,
        seq: 4,
        result: { answer: 42 },
      });

      const failedId = await running(store);
      const failed = await store.update(failedId, {
        kind: 'failed',
        error: { code: 'timeout', message: 'too slow' },
      });
      expect(failed.job).toMatchObject({
        status: 'failed',
        error: { code: 'timeout', message: 'too slow' },
      });
      expect(failed.job.result).toBeUndefined();
    });

    it('clamps progress to 0–100', async () => {
      const store = await fresh();
      const id = await running(store);
      expect((await store.update(id, { kind: 'progress', progress: 250 })).job.progress).toBe(100);
      expect((await store.update(id, { kind: 'progress', progress: -5 })).job.progress).toBe(0);
    });

    it('re-queues a running job with progress reset, and runs it again as attempt 2', async () => {
      const store = await fresh();
      const id = await running(store);
      await store.update(id, { kind: 'progress', progress: 60 });
      const requeued = await store.update(id, { kind: 'requeued', reason: 'interrupted' });
      expect(requeued.job).toMatchObject({ status: 'queued', progress: 0, seq: 4 });
      expect(requeued.event.data).toEqual({ reason: 'interrupted' });
      expect(await claimOne(store)).toMatchObject({ id, status: 'running', attempt: 2, seq: 5 });
    });

    it('rejects illegal transitions and leaves the job unchanged', async () => {
      const store = await fresh();
      const { job } = await store.create({ type: 't', input: null });
      await expect(store.update(job.id, { kind: 'progress', progress: 5 })).rejects.toMatchObject({
        code: 'illegal_transition',
      });
      await store.update(job.id, { kind: 'canceled' });
      for (const change of [
        { kind: 'progress', progress: 1 },
        { kind: 'succeeded', result: 1 },
        { kind: 'canceled' },
        { kind: 'requeued', reason: 'x' },
      ] as const) {
        await expect(store.update(job.id, change)).rejects.toBeInstanceOf(AppError);
      }
      expect(await store.get(job.id)).toMatchObject({ status: 'canceled', seq: 2 });
    });

    it('rejects changes to a job that does not exist', async () => {
      const store = await fresh();
      await expect(
        store.update('00000000-0000-4000-8000-000000000000', { kind: 'canceled' }),
      ).rejects.toMatchObject({ code: 'job_not_found' });
    });

    it('publishes an event only once it is stored, on the job topic and on jobs', async () => {
      const store = await fresh();
      const id = await running(store);
      const checks: Promise<boolean>[] = [];
      const other: JobEvent[] = [];
      store.subscribe(`job:${id}`, (event) => {
        // An asynchronous bus may still deliver the events of seq 1–2, written before this
        // subscription; only what follows is checked.
        if (event.seq > 2) checks.push(store.get(id).then((job) => (job?.seq ?? 0) >= event.seq));
      });
      store.subscribe('job:00000000-0000-4000-8000-000000000000', (e) => other.push(e));
      await store.update(id, { kind: 'progress', progress: 10 });
      await store.update(id, { kind: 'succeeded', result: null });
      await expect.poll(() => checks.length).toBe(2);
      expect(await Promise.all(checks)).toEqual([true, true]);
      expect(other).toEqual([]);
    });

    it('keeps seq gap-free and strictly growing under many concurrent updates', async () => {
      const store = await fresh();
      const id = await running(store);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.update(id, { kind: 'progress', progress: i })),
      );
      const seqs = results.map((r) => r.event.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 3));
      const page = await store.events(id, 0, 1000);
      expect(page?.events.map((e) => e.seq)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
    });

    it('compacts a long log to its newest events, deleting only a prefix', async () => {
      const store = await fresh();
      const id = await running(store); // seq 2
      const updates = LOG_KEEP + 2 * COMPACT_EVERY - 2; // up to seq LOG_KEEP + 2 * COMPACT_EVERY
      for (let i = 0; i < updates; i += 100) {
        const batch = Array.from({ length: Math.min(100, updates - i) }, (_, k) => i + k);
        await Promise.all(
          batch.map((k) => store.update(id, { kind: 'progress', progress: k % 100 })),
        );
      }
      const last = LOG_KEEP + 2 * COMPACT_EVERY;
      expect((await store.get(id))?.seq).toBe(last);
      const page = await store.events(id, 0, 5000);
      expect(page?.firstSeq).toBe(last - LOG_KEEP + 1);
      expect(page?.events.map((e) => e.seq)).toEqual(
        Array.from({ length: LOG_KEEP }, (_, i) => last - LOG_KEEP + 1 + i),
      );
      // The end is never compacted away, whatever the log's length.
      await store.update(id, { kind: 'succeeded', result: null });
      expect((await store.events(id, last, 10))?.events.map((e) => e.kind)).toEqual(['succeeded']);
    });

    it('reads events after a seq, in order and up to a limit', async () => {
      const store = await fresh();
      const id = await running(store);
      for (let p = 10; p <= 50; p += 10) await store.update(id, { kind: 'progress', progress: p });
      const page = await store.events(id, 3, 2);
      expect(page?.events.map((e) => [e.seq, e.progress])).toEqual([
        [4, 20],
        [5, 30],
      ]);
      expect(page?.firstSeq).toBe(1);
      expect((await store.events(id, 7))?.events).toEqual([]);
    });

    it('lists newest first with filters and a cursor that visits every job once', async () => {
      const store = await fresh();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await store.create({ type: i % 2 ? 'odd' : 'even', input: i })).job.id);
      }
      await store.claimNext(); // ids[0] is now running
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 3, cursor });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const odd = await store.list({ limit: 10, type: 'odd' });
      expect(odd.jobs.map((j) => j.id)).toEqual([ids[5], ids[3], ids[1]]);
      const runningPage = await store.list({ limit: 10, status: 'running' });
      expect(runningPage.jobs.map((j) => j.id)).toEqual([ids[0]]);
      expect(runningPage.nextCursor).toBeNull();
      const both = await store.list({ limit: 10, status: 'queued', type: 'even' });
      expect(both.jobs.map((j) => j.id)).toEqual([ids[6], ids[4], ids[2]]);
    });

    it("keeps each job's owner and lists by owner", async () => {
      const store = await fresh();
      const mine = (await store.create({ type: 't', input: 1, owner: 'alice' })).job;
      const theirs = (await store.create({ type: 'u', input: 2, owner: 'bob' })).job;
      const nobody = (await store.create({ type: 't', input: 3 })).job;
      expect(mine.owner).toBe('alice');
      expect(nobody.owner).toBeUndefined();
      expect((await store.get(theirs.id))?.owner).toBe('bob');
      expect((await store.list({ limit: 10, owner: 'alice' })).jobs.map((j) => j.id)).toEqual([
        mine.id,
      ]);
      expect((await store.list({ limit: 10, owner: 'bob', type: 't' })).jobs).toEqual([]);
      expect((await store.list({ limit: 10 })).jobs).toHaveLength(3);
      await store.update(mine.id, { kind: 'canceled' });
      expect(await store.prune(new Date(Date.now() + 1000))).toBe(1);
      expect((await store.list({ limit: 10, owner: 'alice' })).jobs).toEqual([]);
    });

    it('rejects a cursor it did not issue', async () => {
      const store = await fresh();
      await expect(store.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_request',
      });
    });

    it('prunes finished jobs older than the cutoff with their events and keys', async () => {
      const store = await fresh();
      const doneId = await running(store);
      await store.update(doneId, { kind: 'succeeded', result: 1 });
      const keyed = (await store.create({ type: 't', input: 1, idempotencyKey: 'key' })).job;
      await store.update(keyed.id, { kind: 'canceled' });
      const live = (await store.create({ type: 't', input: 2 })).job;

      expect(await store.prune(new Date(Date.now() - 60_000))).toBe(0);
      expect(await store.prune(new Date(Date.now() + 1000))).toBe(2);
      expect(await store.get(doneId)).toBeUndefined();
      expect(await store.events(doneId, 0)).toBeUndefined();
      expect(await store.get(live.id)).toBeDefined();
      const reused = await store.create({ type: 't', input: 1, idempotencyKey: 'key' });
      expect(reused.outcome).toBe('created');
      expect(reused.job.id).not.toBe(keyed.id);
    });

    it('counts jobs by status', async () => {
      const store = await fresh();
      await running(store);
      await store.create({ type: 't', input: 1 });
      await store.create({ type: 't', input: 2 });
      expect(await store.countByStatus()).toEqual({
        queued: 2,
        running: 1,
        succeeded: 0,
        failed: 0,
        canceled: 0,
      });
    });

    it('stops delivering after unsubscribe and survives a throwing listener', async () => {
      const store = await fresh();
      const a: number[] = [];
      const b: number[] = [];
      const unsubscribeA = store.subscribe('jobs', (e) => a.push(e.seq));
      store.subscribe('jobs', () => {
        throw new Error('listener bug');
      });
      store.subscribe('jobs', (e) => b.push(e.seq));
      const { job } = await store.create({ type: 't', input: 1 });
      await expect.poll(() => b).toEqual([1]);
      unsubscribeA();
      await store.update(job.id, { kind: 'canceled' });
      await expect.poll(() => b).toEqual([1, 2]);
      expect(a).toEqual([1]);
    });

    it('delivers events in publish order to every listener, even when a listener publishes', async () => {
      const store = await fresh();
      const claims: Promise<unknown>[] = [];
      store.subscribe('jobs', (event) => {
        if (event.kind === 'queued') claims.push(store.claimNext()); // publishes `started`
      });
      const heard: number[] = [];
      store.subscribe('jobs', (event) => heard.push(event.seq));
      await store.create({ type: 't', input: null });
      await expect.poll(() => claims.length).toBe(1);
      await Promise.all(claims);
      await expect.poll(() => heard).toEqual([1, 2]);
    });

    it('delivers a message to the subscribers of its topic only, in publish order', async () => {
      const store = await fresh();
      const lobby: TopicMessage[] = [];
      const other: unknown[] = [];
      const jobEvents: JobEvent[] = [];
      store.subscribeMessages('chat:lobby', (m) => lobby.push(m));
      store.subscribeMessages('chat:other', (m) => other.push(m.data));
      store.subscribe('jobs', (e) => jobEvents.push(e));
      for (let i = 1; i <= 3; i++) await store.publishMessage('chat:lobby', { text: `hi ${i}` });
      await expect.poll(() => lobby.length).toBe(3);
      expect(lobby.map((m) => [m.topic, m.data])).toEqual([
        ['chat:lobby', { text: 'hi 1' }],
        ['chat:lobby', { text: 'hi 2' }],
        ['chat:lobby', { text: 'hi 3' }],
      ]);
      expect(Number.isNaN(Date.parse(lobby[0]?.at ?? ''))).toBe(false);
      expect(other).toEqual([]);
      expect(jobEvents).toEqual([]);
    });

    it('keeps no message history, stops after unsubscribe, survives a throwing listener', async () => {
      const store = await fresh();
      // An asynchronous bus delivers in publish order: once the marker arrived, the message
      // published before anyone listened on chat:r has been dispatched — to no one.
      const marker: unknown[] = [];
      store.subscribeMessages('chat:marker', (m) => marker.push(m.data));
      await store.publishMessage('chat:r', 'before anyone listened');
      await store.publishMessage('chat:marker', 'done');
      await expect.poll(() => marker).toEqual(['done']);
      const a: unknown[] = [];
      const b: unknown[] = [];
      const stopA = store.subscribeMessages('chat:r', (m) => a.push(m.data));
      store.subscribeMessages('chat:r', () => {
        throw new Error('listener bug');
      });
      store.subscribeMessages('chat:r', (m) => b.push(m.data));
      await store.publishMessage('chat:r', 1);
      await expect.poll(() => b).toEqual([1]);
      stopA();
      stopA();
      await store.publishMessage('chat:r', 2);
      await expect.poll(() => b).toEqual([1, 2]);
      expect(a).toEqual([1]);
    });

    it('rejects publishing a message once closed', async () => {
      const store = await makeStore();
      await store.close();
      await expect(store.publishMessage('chat:r', 1)).rejects.toThrow();
    });

    leaseConformance(fresh);

    it('closes idempotently and then rejects calls', async () => {
      const store = await makeStore();
      await store.ping();
      await store.close();
      await store.close();
      await expect(store.get('00000000-0000-4000-8000-000000000000')).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
    });
  });
}
