/**
 * Leases (src/store/leases.ts), as every Store must keep them: part of the store conformance
 * suite (store-conformance.ts calls this with its fresh-store factory).
 */
import { expect, it } from 'vitest';
import { isAppError } from '../src/model/errors/app-error.js';
import type { JobEvent } from '../src/model/job.js';
import type { Store } from '../src/store/store.js';

/** Resolves with the catalogue code `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isAppError(error) ? error.code : String(error);
  }
  return 'resolved';
}

/** Waits (bounded) until every lease taken with `ms` before now has lapsed on any store clock. */
async function lapse(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms + 5));
}

export function leaseConformance(fresh: () => Promise<Store>): void {
  it('claims the oldest queued job of the given types under a new lease', async () => {
    const store = await fresh();
    await store.create({ type: 'inproc', input: 0 });
    const a = (await store.create({ type: 'ext', input: 1 })).job;
    const b = (await store.create({ type: 'other', input: 2 })).job;
    const before = Date.now();
    const first = await store.claimLeased(['ext', 'other'], 'w1', 60_000);
    const second = await store.claimLeased(['other', 'ext'], 'w2', 60_000);
    expect(await store.claimLeased(['ext', 'other'], 'w1', 60_000)).toBeUndefined();
    expect([first?.job.id, second?.job.id]).toEqual([a.id, b.id]);
    expect(first?.job).toMatchObject({ status: 'running', attempt: 1, seq: 2, input: 1 });
    expect(first?.lease.worker).toBe('w1');
    expect(first?.lease.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first?.lease.token).not.toBe(second?.lease.token);
    expect(first?.lease.expiresAt).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    // A runner's claim that skips the external types takes the others only.
    const c = (await store.create({ type: 'ext', input: 3 })).job;
    expect((await store.claimNext(1, ['ext', 'other'])).jobs.map((j) => j.type)).toEqual([
      'inproc',
    ]);
    expect((await store.claimNext(1, ['ext', 'other'])).jobs).toEqual([]);
    expect((await store.claimNext(1, [])).jobs.map((j) => j.id)).toEqual([c.id]);
  });

  it('renews a held lease, recording progress with it', async () => {
    const store = await fresh();
    const { job } = await store.create({ type: 'ext', input: {} });
    const held = await store.claimLeased(['ext'], 'w1', 60_000);
    if (!held) throw new Error('nothing claimed');
    const renewal = await store.renewLease(job.id, held.lease.token, 120_000);
    expect(renewal.lease.expiresAt).toBeGreaterThan(held.lease.expiresAt);
    expect(renewal.job.seq).toBe(2); // a renewal alone writes no event
    const moved = await store.renewLease(job.id, held.lease.token, 60_000, {
      progress: 40,
      data: { frame: 7 },
    });
    expect(moved.job).toMatchObject({ progress: 40, seq: 3, status: 'running' });
    const page = await store.events(job.id, 2);
    expect(page?.events).toEqual([
      expect.objectContaining({ kind: 'progress', progress: 40, data: { frame: 7 } }),
    ]);
  });

  it('completes or fails a held job once; any other token is refused with lease_lost', async () => {
    const store = await fresh();
    const a = (await store.create({ type: 'ext', input: 1 })).job;
    const b = (await store.create({ type: 'ext', input: 2 })).job;
    const heldA = await store.claimLeased(['ext'], 'w1', 60_000);
    const heldB = await store.claimLeased(['ext'], 'w2', 60_000);
    if (!heldA || !heldB) throw new Error('nothing claimed');
    // B's token does not hold A.
    expect(await refusal(store.renewLease(a.id, heldB.lease.token, 1000))).toBe('lease_lost');
    expect(
      await refusal(
        store.completeLeased(a.id, heldB.lease.token, { kind: 'succeeded', result: 1 }),
      ),
    ).toBe('lease_lost');
    const done = await store.completeLeased(a.id, heldA.lease.token, {
      kind: 'succeeded',
      result: { ok: true },
    });
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { ok: true } });
    const failed = await store.completeLeased(b.id, heldB.lease.token, {
      kind: 'failed',
      error: { code: 'bad_codec', message: 'no such codec' },
      retryable: false,
    });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'bad_codec' } });
    // Released: the same token cannot change either job again.
    expect(
      await refusal(
        store.completeLeased(a.id, heldA.lease.token, { kind: 'succeeded', result: 2 }),
      ),
    ).toBe('lease_lost');
    expect(await refusal(store.renewLease(b.id, heldB.lease.token, 1000))).toBe('lease_lost');
    expect(await refusal(store.renewLease('00000000-0000-4000-8000-000000000000', 'x', 1000))).toBe(
      'job_not_found',
    );
    expect((await store.get(a.id))?.result).toEqual({ ok: true });
  });

  it('tells the holder of a canceled job so, and changes nothing', async () => {
    const store = await fresh();
    const { job } = await store.create({ type: 'ext', input: {} });
    const held = await store.claimLeased(['ext'], 'w1', 60_000);
    if (!held) throw new Error('nothing claimed');
    await store.update(job.id, { kind: 'canceled', reason: 'requested' });
    expect(await refusal(store.renewLease(job.id, held.lease.token, 1000, { progress: 50 }))).toBe(
      'job_canceled',
    );
    expect(
      await refusal(
        store.completeLeased(job.id, held.lease.token, { kind: 'succeeded', result: 1 }),
      ),
    ).toBe('job_canceled');
    expect(await store.get(job.id)).toMatchObject({ status: 'canceled', progress: 0, seq: 3 });
  });

  it('hands back a lapsed lease (requeued, then failed past the attempts) and refuses its holder', async () => {
    const store = await fresh();
    const { job } = await store.create({ type: 'ext', input: {} });
    const seen: JobEvent[] = [];
    // Redis may also deliver the queued event committed just before subscribing: skip it.
    store.subscribe(`job:${job.id}`, (event) => event.seq > 1 && seen.push(event));
    const first = await store.claimLeased(['ext'], 'w1', 1);
    if (!first) throw new Error('nothing claimed');
    await lapse(1);
    // Lapsed but not yet handed back: the old holder is refused already.
    expect(await refusal(store.renewLease(job.id, first.lease.token, 1000))).toBe('lease_lost');
    expect(await store.expireLeases(2)).toEqual([job.id]);
    expect(await store.expireLeases(2)).toEqual([]);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued', progress: 0, attempt: 1 });
    const second = await store.claimLeased(['ext'], 'w2', 1);
    expect(second?.job.attempt).toBe(2);
    expect(
      await refusal(
        store.completeLeased(job.id, first.lease.token, { kind: 'succeeded', result: 'late' }),
      ),
    ).toBe('lease_lost');
    await lapse(1);
    expect(await store.expireLeases(2)).toEqual([job.id]);
    expect(await store.get(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'lease_expired' },
    });
    await expect
      .poll(() => seen.map((e) => e.kind))
      .toEqual(['started', 'requeued', 'started', 'failed']);
    expect(seen[1]?.data).toEqual({ reason: 'lease-expired' });
  });

  it('drops the lapsed lease of a job canceled while held, without an event', async () => {
    const store = await fresh();
    const { job } = await store.create({ type: 'ext', input: {} });
    await store.claimLeased(['ext'], 'w1', 1);
    await store.update(job.id, { kind: 'canceled' });
    await lapse(1);
    expect(await store.expireLeases(5)).toEqual([]);
    expect(await store.get(job.id)).toMatchObject({ status: 'canceled', seq: 3 });
  });

  it("retries a worker's retryable failure with attempts left, like a runner's (issue 16)", async () => {
    const store = await fresh();
    const backoff = { type: 'fixed' as const, delayMs: 3_600_000, jitter: 0 };
    const { job } = await store.create({ type: 'ext', input: {}, maxAttempts: 2, backoff });
    const first = await store.claimLeased(['ext'], 'w1', 60_000);
    if (!first) throw new Error('nothing claimed');
    const error = { code: 'flaky', message: 'try again' };
    const retried = await store.completeLeased(job.id, first.lease.token, {
      kind: 'failed',
      error,
    });
    expect(retried).toMatchObject({ status: 'queued', attempt: 1, error });
    const log = await store.events(job.id, 2);
    const event = log?.events[0];
    expect(event).toMatchObject({ kind: 'retrying', status: 'queued' });
    const runAt = Date.parse(event?.at ?? '') + 3_600_000;
    expect(retried.runAt).toBe(new Date(runAt).toISOString());
    // Waiting for its retry: no worker may take it before then, and the old token is spent.
    expect(await store.claimLeased(['ext'], 'w2', 60_000)).toBeUndefined();
    expect(
      await refusal(store.completeLeased(job.id, first.lease.token, { kind: 'failed', error })),
    ).toBe('lease_lost');
    // The last attempt's failure is final, and so is one marked not retryable.
    const now = await store.create({
      type: 'ext',
      input: {},
      maxAttempts: 2,
      backoff: { ...backoff, delayMs: 0 },
    });
    const a = await store.claimLeased(['ext'], 'w1', 60_000);
    if (!a) throw new Error('nothing claimed');
    await store.completeLeased(now.job.id, a.lease.token, { kind: 'failed', error });
    const b = await store.claimLeased(['ext'], 'w1', 60_000);
    expect(b?.job).toMatchObject({ id: now.job.id, attempt: 2 });
    if (!b) throw new Error('nothing claimed');
    const last = await store.completeLeased(now.job.id, b.lease.token, { kind: 'failed', error });
    expect(last).toMatchObject({ status: 'failed', attempt: 2, error });
    const flat = await store.create({ type: 'ext', input: {}, maxAttempts: 3 });
    const c = await store.claimLeased(['ext'], 'w1', 60_000);
    if (!c) throw new Error('nothing claimed');
    const refused = await store.completeLeased(flat.job.id, c.lease.token, {
      kind: 'failed',
      error,
      retryable: false,
    });
    expect(refused).toMatchObject({ status: 'failed', attempt: 1 });
  });

  it("claims in the runners' order: due jobs only, higher priority first, then arrival", async () => {
    const store = await fresh();
    const later = (
      await store.create({ type: 'ext', input: 'later', runAt: Date.now() + 3_600_000 })
    ).job;
    const ids = new Map<string, string>();
    for (const [name, priority] of [
      ['low', -5],
      ['plain-1', 0],
      ['high', 10],
      ['plain-2', 0],
      ['other-type', 50],
    ] as const) {
      const type = name === 'other-type' ? 'inproc' : 'ext';
      ids.set((await store.create({ type, input: name, priority })).job.id, name);
    }
    const order: string[] = [];
    for (;;) {
      const held = await store.claimLeased(['ext'], 'w1', 60_000);
      if (!held) break;
      order.push(ids.get(held.job.id) ?? held.job.id);
    }
    expect(order).toEqual(['high', 'plain-1', 'plain-2', 'low']);
    expect(await store.get(later.id)).toMatchObject({ status: 'queued', attempt: 0 });
    // A job due in the past is claimable at once.
    const due = (await store.create({ type: 'ext', input: 'due', runAt: Date.now() - 1000 })).job;
    expect((await store.claimLeased(['ext'], 'w1', 60_000))?.job.id).toBe(due.id);
  });

  it('claims across several types in one order: priority first, then arrival, whatever the type', async () => {
    const store = await fresh();
    const names = new Map<string, string>();
    for (const [name, type, priority] of [
      ['a-low', 'a', -1],
      ['b-plain-1', 'b', 0],
      ['a-plain', 'a', 0],
      ['c-high', 'c', 5],
      ['b-high', 'b', 5],
      ['b-plain-2', 'b', 0],
      ['c-plain', 'c', 0],
    ] as const) {
      names.set((await store.create({ type, input: name, priority })).job.id, name);
    }
    await store.create({ type: 'a', input: 'later', priority: 9, runAt: Date.now() + 3_600_000 });
    const order: string[] = [];
    for (;;) {
      // The types in another order each time: the order of `types` is no preference.
      const types = order.length % 2 === 0 ? ['a', 'b', 'missing'] : ['missing', 'b', 'a'];
      const held = await store.claimLeased(types, 'w1', 60_000);
      if (!held) break;
      order.push(names.get(held.job.id) ?? held.job.id);
    }
    expect(order).toEqual(['b-high', 'b-plain-1', 'a-plain', 'b-plain-2', 'a-low']);
    expect((await store.claimLeased(['c', 'a'], 'w1', 60_000))?.job.input).toBe('c-high');
  });

  it('hands back a lapsed job with attempts of its own while it has some, then fails it for good', async () => {
    const store = await fresh();
    const backoff = { type: 'fixed' as const, delayMs: 0, jitter: 0 };
    const { job } = await store.create({ type: 'ext', input: {}, maxAttempts: 3, backoff });
    const statuses: string[] = [];
    for (let run = 1; run <= 3; run++) {
      const held = await store.claimLeased(['ext'], 'w1', 1);
      expect(held?.job.attempt).toBe(run);
      await lapse(1);
      // --max-attempts 2 would stop a job without attempts of its own after two starts.
      expect(await store.expireLeases(2)).toEqual([job.id]);
      statuses.push((await store.get(job.id))?.status ?? 'missing');
    }
    expect(statuses).toEqual(['queued', 'queued', 'failed']);
    expect(await store.get(job.id)).toMatchObject({
      attempt: 3,
      error: { code: 'lease_expired' },
    });
    // With --recovery fail (0) a lapse fails even a job with attempts left, and not as a retry.
    const other = (await store.create({ type: 'ext', input: {}, maxAttempts: 3, backoff })).job;
    await store.claimLeased(['ext'], 'w1', 1);
    await lapse(1);
    expect(await store.expireLeases(0)).toEqual([other.id]);
    expect(await store.get(other.id)).toMatchObject({ status: 'failed', attempt: 1 });
    expect(await store.claimLeased(['ext'], 'w1', 60_000)).toBeUndefined();
  });
}
