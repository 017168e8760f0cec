/**
 * Per-job retention every Store must honour (issue 16, item 6): a job with `keepForMs` is
 * pruned once that long has passed since it finished, sooner or later than the retention the
 * pruner passes for the others. Time moves on through prune's `now` (a clock ahead of the
 * store's), so no test waits; Redis compares it with its own clock as an offset.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Store } from '../src/store/store.js';
import { claimOne } from './store-conformance.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `ms` from now, as a Date: the pruner's "now" on a clock that moved on by `ms`. */
const later = (ms: number) => new Date(Date.now() + ms);

export function retentionConformance(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`${name} per-job retention`, () => {
    async function fresh(): Promise<Store> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      return store;
    }

    it('keeps a job with a longer keepFor past the retention, then prunes it with its key', async () => {
      const store = await fresh();
      const plain = (await store.create({ type: 't', input: 1 })).job;
      const kept = (
        await store.create({ type: 't', input: 2, keepForMs: HOUR, idempotencyKey: 'k' })
      ).job;
      expect(kept.keepFor).toBe(HOUR);
      expect(plain.keepFor).toBeUndefined();
      await store.update(plain.id, { kind: 'canceled' });
      await claimOne(store);
      await claimOne(store);
      await store.update(kept.id, { kind: 'succeeded', result: 'r' });

      // A retention of 0: everything finished before now goes, except the kept job.
      expect(await store.prune(later(SECOND))).toBe(1);
      expect(await store.get(plain.id)).toBeUndefined();
      expect(await store.get(kept.id)).toMatchObject({ status: 'succeeded', keepFor: HOUR });
      // Half an hour on, still kept; past the hour, gone with its events and its key.
      expect(await store.prune(later(SECOND), later(HOUR / 2))).toBe(0);
      expect(await store.prune(later(SECOND), later(HOUR + 5 * SECOND))).toBe(1);
      expect(await store.get(kept.id)).toBeUndefined();
      expect(await store.events(kept.id, 0)).toBeUndefined();
      const again = await store.create({ type: 't', input: 2, idempotencyKey: 'k' });
      expect(again.outcome).toBe('created');
    });

    it('prunes a job with a shorter keepFor before the retention lets the others go', async () => {
      const store = await fresh();
      const plain = (await store.create({ type: 't', input: 1 })).job;
      const brief = (await store.create({ type: 't', input: 2, keepForMs: 10 * SECOND })).job;
      await store.update(plain.id, { kind: 'canceled' });
      await store.update(brief.id, { kind: 'canceled' });
      // A day of retention for the others, eleven seconds on.
      const before = (now: Date) => new Date(now.getTime() - DAY);
      const now = later(11 * SECOND);
      expect(await store.prune(before(now), later(5 * SECOND))).toBe(0);
      expect(await store.prune(before(now), now)).toBe(1);
      expect(await store.get(brief.id)).toBeUndefined();
      expect(await store.get(plain.id)).toMatchObject({ status: 'canceled' });
    });

    it('never prunes an unfinished job, whatever its keepFor', async () => {
      const store = await fresh();
      const first = (await store.create({ type: 't', input: 1, keepForMs: SECOND })).job;
      const second = (await store.create({ type: 't', input: 2, keepForMs: SECOND })).job;
      expect((await claimOne(store))?.id).toBe(first.id);
      expect(await store.prune(later(DAY), later(DAY))).toBe(0);
      expect(await store.get(first.id)).toMatchObject({ status: 'running' });
      expect(await store.get(second.id)).toMatchObject({ status: 'queued', keepFor: SECOND });
    });
  });
}
