/**
 * The webhook outbox (src/store/webhook-outbox.ts) as every store that keeps one must: the
 * deliveries a change records, claims under a lease, per job and URL order, attempts, dead and
 * redelivered deliveries, counts and pruning. sqlite-store.test.ts and redis-store.test.ts
 * call it with their fresh-store factories; times are the stores' own (events carry them).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { WebhookPayload } from '../src/model/webhook.js';
import type { Store } from '../src/store/store.js';
import type { WebhookOutbox } from '../src/store/webhook-outbox.js';

const URL_A = 'https://a.example/hook';
const URL_B = 'https://b.example/hook';
const LEASE = 30_000;

/** The job event's seq in a delivery's body. */
function seqOf(payload: string): number {
  return (JSON.parse(payload) as WebhookPayload).data.seq;
}

export function webhookOutboxConformance(
  name: string,
  makeStore: () => Promise<Store> | Store,
): void {
  describe(`${name} webhook outbox conformance`, () => {
    async function fresh(): Promise<{ store: Store; outbox: WebhookOutbox }> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      if (!store.webhooks) throw new Error(`the ${name} store keeps no webhook outbox`);
      return { store, outbox: store.webhooks };
    }

    /** A job with the given targets, run to success: queued, started, progress, succeeded. */
    async function finished(store: Store, targets: { url: string; events: 'terminal' | 'all' }[]) {
      const { job } = await store.create({ type: 't', input: {}, webhooks: targets });
      await store.update(job.id, { kind: 'started' });
      await store.update(job.id, { kind: 'progress', progress: 50 });
      await store.update(job.id, { kind: 'succeeded', result: { ok: 1 } });
      return job.id;
    }

    it('records one pending delivery per event a target asked for, in the change itself', async () => {
      const { store, outbox } = await fresh();
      let woken = 0;
      outbox.onRecorded(() => woken++);
      const plain = (await store.create({ type: 't', input: {} })).job.id;
      const jobId = await finished(store, [
        { url: URL_A, events: 'terminal' },
        { url: URL_B, events: 'all' },
      ]);
      expect(await outbox.forJob(plain)).toEqual([]);
      const deliveries = await outbox.forJob(jobId);
      const byUrl = (url: string) => deliveries.filter((d) => d.url === url);
      expect(byUrl(URL_A).map((d) => [d.seq, d.kind])).toEqual([[4, 'succeeded']]);
      expect(byUrl(URL_B).map((d) => [d.seq, d.kind])).toEqual([
        [1, 'queued'],
        [2, 'started'],
        [3, 'progress'],
        [4, 'succeeded'],
      ]);
      for (const d of deliveries) {
        expect(d).toMatchObject({ jobId, state: 'pending', attempts: [] });
        expect(d.id).toMatch(/^msg_[\w-]+$/);
        expect(Date.parse(d.nextAttemptAt ?? '')).toBe(Date.parse(d.createdAt));
      }
      expect(new Set(deliveries.map((d) => d.id)).size).toBe(5);
      expect(await outbox.countByState()).toEqual({ pending: 5, delivered: 0, dead: 0 });
      const first = Math.min(...deliveries.map((d) => Date.parse(d.createdAt)));
      expect(await outbox.nextDueAt()).toBe(first);
      // Wakes come soon after a recording change (in Redis, once its subscription is live).
      const { job: running } = await store.create({
        type: 't',
        input: {},
        webhooks: [{ url: URL_A, events: 'all' }],
      });
      await store.update(running.id, { kind: 'started' });
      let progress = 0;
      await expect
        .poll(async () => {
          await store.update(running.id, { kind: 'progress', progress: ++progress });
          return woken;
        })
        .toBeGreaterThan(0);
    });

    it('leases a claimed delivery: no second claim takes it until the lease runs out', async () => {
      const { store, outbox } = await fresh();
      const jobId = await finished(store, [{ url: URL_A, events: 'terminal' }]);
      const now = Date.now() + 1000;
      const [claimed, ...rest] = await outbox.claimDue(now, 10, LEASE);
      expect(rest).toEqual([]);
      expect(claimed).toMatchObject({ jobId, url: URL_A, attempts: 0 });
      expect(JSON.parse(claimed?.payload ?? '')).toMatchObject({
        type: 'job.succeeded',
        data: { jobId, seq: 4, kind: 'succeeded', status: 'succeeded' },
      });
      expect(await outbox.claimDue(now, 10, LEASE)).toEqual([]);
      expect(await outbox.claimDue(now + LEASE - 1, 10, LEASE)).toEqual([]);
      const again = await outbox.claimDue(now + LEASE, 10, LEASE);
      expect(again.map((d) => [d.id, d.payload])).toEqual([[claimed?.id, claimed?.payload]]);
    });

    it('records every attempt and its outcome; a pending one is due again at its next time', async () => {
      const { store, outbox } = await fresh();
      const jobId = await finished(store, [{ url: URL_A, events: 'terminal' }]);
      const now = Date.now() + 1000;
      const [claimed] = await outbox.claimDue(now, 10, LEASE);
      if (!claimed) throw new Error('nothing claimed');
      await outbox.recordAttempt(
        claimed.id,
        { at: now, statusCode: 500, latencyMs: 12.4, error: 'HTTP 500' },
        { state: 'pending', nextAt: now + 10_000 },
      );
      const [pending] = await outbox.forJob(jobId);
      expect(pending).toMatchObject({
        state: 'pending',
        nextAttemptAt: new Date(now + 10_000).toISOString(),
      });
      expect(pending?.attempts).toEqual([
        {
          attempt: 1,
          at: new Date(now).toISOString(),
          statusCode: 500,
          latencyMs: 12,
          error: 'HTTP 500',
        },
      ]);
      expect(await outbox.nextDueAt()).toBe(now + 10_000);
      expect(await outbox.claimDue(now + 9999, 10, LEASE)).toEqual([]);
      const [retry] = await outbox.claimDue(now + 10_000, 10, LEASE);
      expect(retry).toMatchObject({
        id: claimed.id,
        attempts: 1,
        windowStart: claimed.windowStart,
      });
      await outbox.recordAttempt(
        claimed.id,
        { at: now + 10_000, latencyMs: 3 },
        { state: 'delivered' },
      );
      const [delivered] = await outbox.forJob(jobId);
      expect(delivered?.state).toBe('delivered');
      expect(delivered?.nextAttemptAt).toBeUndefined();
      expect(delivered?.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, undefined, undefined],
      ]);
      expect(await outbox.countByState()).toEqual({ pending: 0, delivered: 1, dead: 0 });
      expect(await outbox.nextDueAt()).toBeUndefined();
    });

    it('hands out one job’s deliveries to one URL in order, other URLs independently', async () => {
      const { store, outbox } = await fresh();
      await finished(store, [
        { url: URL_A, events: 'all' },
        { url: URL_B, events: 'terminal' },
      ]);
      const now = Date.now() + 1000;
      const first = await outbox.claimDue(now, 10, LEASE);
      expect(first.map((d) => [d.url, seqOf(d.payload)])).toEqual([
        [URL_A, 1],
        [URL_B, 4],
      ]);
      for (const seq of [2, 3, 4]) {
        const done = first.find((d) => d.url === URL_A) ?? first[0];
        if (!done) throw new Error('nothing claimed');
        await outbox.recordAttempt(done.id, { at: now, latencyMs: 1 }, { state: 'delivered' });
        first.splice(0, first.length, ...(await outbox.claimDue(now, 10, LEASE)));
        expect(first.map((d) => [d.url, seqOf(d.payload)])).toEqual([[URL_A, seq]]);
      }
    });

    it('redelivers a dead delivery only: a fresh window, the same id; postpones without an attempt', async () => {
      const { store, outbox } = await fresh();
      const jobId = await finished(store, [{ url: URL_A, events: 'terminal' }]);
      const other = await finished(store, [{ url: URL_A, events: 'terminal' }]);
      const now = Date.now() + 1000;
      const claimed = await outbox.claimDue(now, 1, LEASE);
      const id = claimed[0]?.id ?? '';
      expect(claimed[0]?.jobId).toBe(jobId);
      await outbox.postpone(id, now + 5000);
      expect((await outbox.forJob(jobId))[0]).toMatchObject({
        attempts: [],
        nextAttemptAt: new Date(now + 5000).toISOString(),
      });
      expect(await outbox.redeliver(jobId, id, now)).toBe('not_dead');
      expect((await outbox.claimDue(now + 5000, 10, LEASE)).map((d) => d.id)).toContain(id);
      await outbox.recordAttempt(
        id,
        { at: now, latencyMs: 1, error: 'timeout' },
        { state: 'dead' },
      );
      expect(await outbox.countByState()).toMatchObject({ pending: 1, dead: 1 });
      expect(await outbox.redeliver(other, id, now)).toBe('missing');
      expect(await outbox.redeliver(jobId, 'msg_nothing', now)).toBe('missing');
      expect(await outbox.redeliver(jobId, id, now + 6000)).toBe('redelivered');
      const [again] = await outbox.forJob(jobId);
      expect(again).toMatchObject({
        id,
        state: 'pending',
        nextAttemptAt: new Date(now + 6000).toISOString(),
      });
      const [due] = await outbox.claimDue(now + 6000, 1, LEASE);
      expect(due).toMatchObject({ id, attempts: 1, windowStart: now + 6000 });
    });

    it('prunes a job’s deliveries and attempts with the job', async () => {
      const { store, outbox } = await fresh();
      const jobId = await finished(store, [{ url: URL_A, events: 'all' }]);
      expect((await outbox.countByState()).pending).toBe(4);
      expect(await store.prune(new Date(Date.now() + 1000))).toBe(1);
      expect(await outbox.forJob(jobId)).toEqual([]);
      expect(await outbox.countByState()).toEqual({ pending: 0, delivered: 0, dead: 0 });
      expect(await outbox.claimDue(Date.now() + 1000, 10, LEASE)).toEqual([]);
    });
  });
}
