/**
 * Queue semantics every Store must have (issue 16): retries decided by the store with the
 * job's backoff, priority order, delayed jobs, batch claims. Run by each store's test file next
 * to store-conformance.ts. Due times are checked exactly against the event's own timestamp
 * (jitter 0), so no test sleeps or depends on which clock the store reads.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Store } from '../src/store/store.js';
import { claimOne } from './store-conformance.js';

const ERROR = { code: 'flaky', message: 'try again' };
const HOUR = 3_600_000;

export function queueConformance(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`${name} queue semantics`, () => {
    async function fresh(): Promise<Store> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      return store;
    }

    it('turns a retryable failure with attempts left into a retry due after the backoff', async () => {
      const store = await fresh();
      const backoff = { type: 'fixed' as const, delayMs: HOUR, jitter: 0 };
      const { job } = await store.create({ type: 't', input: 1, maxAttempts: 3, backoff });
      expect(job).toMatchObject({ maxAttempts: 3, backoff, priority: 0 });
      await claimOne(store);
      const { job: after, event } = await store.update(job.id, { kind: 'failed', error: ERROR });
      expect(event).toMatchObject({ kind: 'retrying', status: 'queued', progress: 0 });
      const runAt = Date.parse(event.at) + HOUR;
      expect(event.data).toEqual({
        error: ERROR,
        attempt: 1,
        runAt: new Date(runAt).toISOString(),
      });
      expect(after).toMatchObject({ status: 'queued', attempt: 1, error: ERROR });
      expect(after.runAt).toBe(new Date(runAt).toISOString());
      // Not due for an hour: nothing to claim, and the store says when to look again.
      expect(await store.claimNext(10)).toEqual({ jobs: [], nextDueAt: runAt });
      expect(await store.get(job.id)).toMatchObject({ status: 'queued', runAt: after.runAt });
    });

    it('retries at once with a zero delay, then fails for good on the last attempt', async () => {
      const store = await fresh();
      const backoff = { type: 'exponential' as const, delayMs: 0 };
      const { job } = await store.create({ type: 't', input: 1, maxAttempts: 2, backoff });
      await claimOne(store);
      await store.update(job.id, { kind: 'failed', error: { code: 'first', message: 'one' } });
      const second = await claimOne(store);
      expect(second).toMatchObject({ id: job.id, attempt: 2, status: 'running' });
      expect(second?.error).toBeUndefined();
      expect(second?.runAt).toBeUndefined();
      const last = await store.update(job.id, { kind: 'failed', error: ERROR });
      expect(last.event).toMatchObject({ kind: 'failed', data: { error: ERROR, attempt: 2 } });
      expect(last.job).toMatchObject({ status: 'failed', attempt: 2, error: ERROR });
      expect(last.job.runAt).toBeUndefined();
    });

    it('fails at once a failure marked not retryable, and one of a job never started', async () => {
      const store = await fresh();
      const { job } = await store.create({ type: 't', input: 1, maxAttempts: 5 });
      await claimOne(store);
      const final = await store.update(job.id, { kind: 'failed', error: ERROR, retryable: false });
      expect(final.job).toMatchObject({ status: 'failed', attempt: 1 });
      const queued = (await store.create({ type: 't', input: 2, maxAttempts: 5 })).job;
      const gone = await store.update(queued.id, { kind: 'failed', error: ERROR });
      expect(gone.job.status).toBe('failed');
    });

    it('cancels a job waiting for its retry, which then never runs', async () => {
      const store = await fresh();
      const backoff = { type: 'fixed' as const, delayMs: 0 };
      const { job } = await store.create({ type: 't', input: 1, maxAttempts: 3, backoff });
      await claimOne(store);
      await store.update(job.id, { kind: 'failed', error: ERROR });
      const canceled = await store.update(job.id, { kind: 'canceled', reason: 'requested' });
      expect(canceled.job.status).toBe('canceled');
      expect(canceled.job.runAt).toBeUndefined();
      expect((await store.claimNext(10)).jobs).toEqual([]);
    });

    it('claims higher priorities first and equal ones in arrival order, many at once', async () => {
      const store = await fresh();
      const order: [string, number][] = [
        ['a', 0],
        ['b', 5],
        ['c', 5],
        ['d', -1],
        ['e', 1000],
      ];
      const ids = new Map<string, string>();
      for (const [name, priority] of order) {
        ids.set((await store.create({ type: 't', input: name, priority })).job.id, name);
      }
      const first = await store.claimNext(3);
      const rest = await store.claimNext(10);
      const names = [...first.jobs, ...rest.jobs].map((j) => ids.get(j.id));
      expect(names).toEqual(['e', 'b', 'c', 'a', 'd']);
      expect(first.jobs.map((j) => j.status)).toEqual(['running', 'running', 'running']);
      expect(rest.jobs[0]).toMatchObject({ priority: 0, attempt: 1 });
      expect((await store.claimNext(10)).jobs).toEqual([]);
    });

    it('keeps a delayed job queued with its due time until then; a past due time is due', async () => {
      const store = await fresh();
      const runAt = Date.now() + HOUR;
      const delayed = (await store.create({ type: 't', input: 1, runAt })).job;
      expect(delayed).toMatchObject({ status: 'queued', runAt: new Date(runAt).toISOString() });
      const log = await store.events(delayed.id, 0);
      expect(log?.events[0]).toMatchObject({ kind: 'queued', data: { runAt: delayed.runAt } });
      const past = (await store.create({ type: 't', input: 2, runAt: Date.now() - 1000 })).job;
      expect(past.runAt).toBeUndefined();
      const claim = await store.claimNext(10);
      expect(claim.jobs.map((j) => j.id)).toEqual([past.id]);
      expect(claim.nextDueAt).toBe(runAt);
      expect(await store.get(delayed.id)).toMatchObject({ status: 'queued' });
    });
  });
}
