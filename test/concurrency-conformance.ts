/**
 * Per-type concurrency every Store must enforce in its claim (issue 16, item 4): a type named
 * in `typeLimits` has at most that many jobs running in the store, whoever claimed them — two
 * runners of one process, or two processes on one Redis. `makePair` gives two handles on one
 * store's data (the same SQLite store twice, which one file allows; two Redis connections).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Store } from '../src/store/store.js';

const LIMITS = { slow: 2 };

export function concurrencyConformance(
  name: string,
  makePair: () => Promise<readonly [Store, Store]>,
): void {
  describe(`${name} per-type concurrency`, () => {
    async function pair(): Promise<readonly [Store, Store]> {
      const stores = await makePair();
      onTestFinished(async () => {
        await Promise.all([...new Set(stores)].map((store) => store.close()));
      });
      return stores;
    }

    it('claims no more of a type than its limit across two claimers, and moves on to other types in order', async () => {
      const [a, b] = await pair();
      const slow = [];
      for (let i = 0; i < 3; i++) {
        slow.push((await a.create({ type: 'slow', input: i, priority: 10 })).job);
      }
      const fast = (await a.create({ type: 'fast', input: 0 })).job;
      const first = await a.claimNext(10, [], LIMITS);
      // Higher priority first: two of the slow type (its limit), then the fast job after the third.
      expect(first.jobs.map((j) => j.id)).toEqual([slow[0]?.id, slow[1]?.id, fast.id]);
      expect((await b.claimNext(10, [], LIMITS)).jobs).toEqual([]);
      expect(await b.get(slow[2]?.id ?? '')).toMatchObject({ status: 'queued' });

      // A slot frees when one ends, whichever claimer ran it; the other claimer takes it.
      await a.update(slow[0]?.id ?? '', { kind: 'succeeded', result: null });
      const second = await b.claimNext(10, [], LIMITS);
      expect(second.jobs.map((j) => j.id)).toEqual([slow[2]?.id]);
      expect((await a.claimNext(10, [], LIMITS)).jobs).toEqual([]);
      // Without the limit the claim is the plain one: nothing is held back for other callers.
      await b.create({ type: 'slow', input: 3 });
      expect((await b.claimNext(10)).jobs.map((j) => j.type)).toEqual(['slow']);
    });

    it("starts one job within its type's limit, and refuses it untouched when the type is full", async () => {
      const [a, b] = await pair();
      const one = (await a.create({ type: 'slow', input: 1 })).job;
      const two = (await a.create({ type: 'slow', input: 2 })).job;
      const three = (await a.create({ type: 'slow', input: 3 })).job;
      const other = (await a.create({ type: 'fast', input: 0 })).job;
      const started = await a.typeSlots.start(one.id, 2);
      expect(started).toMatchObject({ outcome: 'started', job: { status: 'running', attempt: 1 } });
      // The claim and the start count the same running jobs, whoever started them.
      expect((await b.claimNext(1, ['fast'], LIMITS)).jobs.map((j) => j.id)).toEqual([two.id]);
      expect(await b.typeSlots.start(three.id, 2)).toEqual({ outcome: 'full' });
      // Refused: no event, no attempt, still queued.
      expect(await a.get(three.id)).toMatchObject({ status: 'queued', seq: 1, attempt: 0 });
      expect(await a.typeSlots.start(other.id, 2)).toMatchObject({ outcome: 'started' });
      await b.update(one.id, { kind: 'canceled' });
      expect(await b.typeSlots.start(three.id, 2)).toMatchObject({
        outcome: 'started',
        job: { id: three.id, status: 'running', seq: 2 },
      });
      // A job no longer queued is refused as update refuses it.
      await expect(a.typeSlots.start(three.id, 5)).rejects.toMatchObject({
        code: 'illegal_transition',
      });
    });

    it('leases no more jobs of a limited type than its limit, passing over it to other types', async () => {
      const [a, b] = await pair();
      const ext = [];
      for (let i = 0; i < 3; i++) {
        ext.push((await a.create({ type: 'slow', input: i, priority: 10 })).job);
      }
      const other = (await a.create({ type: 'fast', input: 0 })).job;
      const types = ['slow', 'fast'];
      const first = await a.claimLeased(types, 'w1', 60_000, LIMITS);
      const second = await b.claimLeased(types, 'w2', 60_000, LIMITS);
      // The type is full: the next lease is of the other type, then none.
      const third = await b.claimLeased(types, 'w2', 60_000, LIMITS);
      expect([first?.job.id, second?.job.id, third?.job.id]).toEqual([
        ext[0]?.id,
        ext[1]?.id,
        other.id,
      ]);
      expect(await a.claimLeased(types, 'w1', 60_000, LIMITS)).toBeUndefined();
      expect(await a.claimLeased(['slow'], 'w1', 60_000, LIMITS)).toBeUndefined();
      expect(await a.get(ext[2]?.id ?? '')).toMatchObject({ status: 'queued', seq: 1 });
      // A lease released by its worker frees the slot for another gateway's claim.
      await a.completeLeased(ext[0]?.id ?? '', first?.lease.token ?? '', {
        kind: 'succeeded',
        result: null,
      });
      const next = await b.claimLeased(['slow'], 'w2', 60_000, LIMITS);
      expect(next?.job.id).toBe(ext[2]?.id);
    });

    it('counts a job handed back or waiting for its retry as no longer running', async () => {
      const [a, b] = await pair();
      const backoff = { type: 'fixed' as const, delayMs: 0 };
      const one = (await a.create({ type: 'slow', input: 1, maxAttempts: 2, backoff })).job;
      const two = (await a.create({ type: 'slow', input: 2 })).job;
      const three = (await a.create({ type: 'slow', input: 3 })).job;
      expect((await a.claimNext(10, [], LIMITS)).jobs.map((j) => j.id)).toEqual([one.id, two.id]);
      await a.update(two.id, { kind: 'requeued', reason: 'shutdown' });
      const failure = { code: 'flaky', message: 'again' };
      expect((await a.update(one.id, { kind: 'failed', error: failure })).event.kind).toBe(
        'retrying',
      );
      // Both are queued again (in arrival order, before the third); two slots are free.
      expect((await b.claimNext(10, [], LIMITS)).jobs.map((j) => j.id)).toEqual([one.id, two.id]);
      expect((await b.claimNext(10, [], LIMITS)).jobs).toEqual([]);
      expect(await a.get(three.id)).toMatchObject({ status: 'queued' });
    });
  });
}
