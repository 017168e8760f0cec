/**
 * Per-type concurrency in Redis mode (issue 16, item 4): two processes' BullMQ workers, each
 * with room for four jobs, run at most one `gated` job at a time between them while jobs of an
 * unlimited type run beside it; a gated job handed over while the type is full goes back to
 * BullMQ untouched (no attempt, no event) and starts when the running one ends. External
 * workers' lease claims wait while their type is full, and a claim waiting on one gateway is
 * served when a lease of the type ends on another, or when a lost worker's lease lapses and its
 * job is handed back. Handlers wait on gates the test opens.
 */
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import type { Job } from '../src/model/job.js';
import type { Store } from '../src/store/store.js';
import { json, postJson } from './helpers/http.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';
import { gatedJobTypes } from './helpers/gated-job-types.js';
import { waitForJob } from './helpers/wait-for-job.js';

const { gated: GATED, free: FREE, gates, seen } = gatedJobTypes(1);
const EXPORT = defineJobType({
  name: 'export',
  description: 'test: an external type, one at a time',
  execution: 'external',
  input: Type.Object({ n: Type.Integer() }),
  timeoutMs: 60_000,
  concurrency: 1,
});

interface Claimed {
  job: Job;
  lease: { token: string };
}

/** Submits `count` export jobs, one after the other, so their claim order is theirs. */
async function submitExports(url: string, count: number): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let n = 0; n < count; n++) {
    jobs.push(await json<Job>(await postJson(`${url}/jobs`, { type: 'export', input: { n } })));
  }
  return jobs;
}

async function runningOf(store: Store, type: string): Promise<string[]> {
  return (await store.list({ status: 'running', type, limit: 10 })).jobs.map((j) => j.id);
}

describe.skipIf(!redisAvailable)('per-type concurrency in Redis mode', () => {
  const redis = redisForSuite();
  const gateways = (count: number, workerLease = 30_000) => {
    const prefix = `c${randomUUID().slice(0, 8)}:`;
    return Promise.all(
      Array.from({ length: count }, () =>
        startTestServer({ redis: redis().url, redisPrefix: prefix, concurrency: 4, workerLease }, [
          GATED,
          FREE,
          EXPORT,
        ]),
      ),
    );
  };

  it('runs one gated job at a time across two BullMQ workers, other types beside it', async () => {
    onTestFinished(() => {
      for (const open of gates.values()) open();
    });
    const [a, b] = await gateways(2);
    if (!a || !b) throw new Error('no gateways');
    const store = a.server.store;
    const submit = async (url: string, type: string, input: object) =>
      json<Job>(await postJson(`${url}/jobs`, { type, input }));
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await submit(n % 2 ? b.url : a.url, 'gated', { n })).id);
    const frees = await Promise.all([a.url, b.url].map((url) => submit(url, 'free', {})));
    // The unlimited type is not held up behind the limited one.
    for (const job of frees) await waitForJob(store, job.id, (j) => j.status === 'succeeded');

    const done = new Set<string>();
    for (let round = 0; round < 3; round++) {
      await expect.poll(() => runningOf(store, 'gated')).toHaveLength(1);
      const [id = ''] = await runningOf(store, 'gated');
      const job = await store.get(id);
      const n = (job?.input as { n: number }).n;
      // The others wait queued, untouched: no attempt counted, no event recorded.
      for (const other of ids.filter((x) => x !== id && !done.has(x))) {
        expect(await store.get(other)).toMatchObject({ status: 'queued', attempt: 0, seq: 1 });
      }
      await expect.poll(() => gates.has(n)).toBe(true);
      gates.get(n)?.();
      await waitForJob(store, id, (j) => j.status === 'succeeded');
      done.add(id);
    }
    expect(seen.most).toBe(1);
    const runs: { started: number; ended: number }[] = [];
    for (const id of ids) {
      const log = (await store.events(id, 0))?.events ?? [];
      expect(log.map((e) => e.kind)).toEqual(['queued', 'started', 'succeeded']);
      const at = (kind: string) => Date.parse(log.find((e) => e.kind === kind)?.at ?? '');
      runs.push({ started: at('started'), ended: at('succeeded') });
    }
    // Each one started after the one before it ended, by the store's own clock, and was woken
    // by that end (5–15 ms here), not fetched again at its fallback delay (500 ms at the least).
    runs.sort((x, y) => x.started - y.started);
    const handOffs = runs.slice(1).map((run, i) => run.started - (runs[i]?.ended ?? NaN));
    for (const gap of handOffs) expect(gap).toBeGreaterThanOrEqual(0);
    for (const gap of handOffs) expect(gap).toBeLessThan(500);
  });

  it('defers lease claims while the type is full, and serves them when a lease of it ends', async () => {
    const [a, b] = await gateways(2);
    if (!a || !b) throw new Error('no gateways');
    const jobs = await submitExports(a.url, 2);
    const first = await json<Claimed>(
      await postJson(`${a.url}/workers/claim`, { types: ['export'] }),
    );
    expect(first.job.id).toBe(jobs[0]?.id);
    // Full: an immediate claim gets nothing, a waiting one waits though a job is queued.
    const none = await postJson(`${b.url}/workers/claim`, { types: ['export'] });
    expect(none.status).toBe(204);
    const waiting = postJson(`${b.url}/workers/claim`, { types: ['export'], wait: 20 });
    await expect.poll(() => b.server.engine.workers.waitingCount).toBe(1);
    expect(await a.server.store.get(jobs[1]?.id ?? '')).toMatchObject({ status: 'queued' });
    const completed = await postJson(`${a.url}/workers/jobs/${first.job.id}/complete`, {
      token: first.lease.token,
      result: 'ok',
    });
    expect(completed.status).toBe(200);
    const second = await json<Claimed>(await waiting);
    expect(second.job).toMatchObject({ id: jobs[1]?.id, status: 'running', attempt: 1 });
  });

  it("frees a lost worker's slot: its lease lapses, the job is handed back, a waiting claim runs it", async () => {
    const [a, b] = await gateways(2, 300);
    if (!a || !b) throw new Error('no gateways');
    const jobs = await submitExports(a.url, 2);
    // This worker claims and is never heard from again: no renewal, no answer.
    const lost = await json<Claimed>(
      await postJson(`${a.url}/workers/claim`, { types: ['export'] }),
    );
    expect(lost.job.id).toBe(jobs[0]?.id);
    expect(await runningOf(a.server.store, 'export')).toEqual([jobs[0]?.id]);
    // The type is full while the lease holds: the queued job waits for the lost one's slot.
    expect((await postJson(`${b.url}/workers/claim`, { types: ['export'] })).status).toBe(204);
    const served = await postJson(`${b.url}/workers/claim`, { types: ['export'], wait: 10 });
    expect(served.status).toBe(200); // 204 after 10 s: the lost lease never freed the slot
    const next = await json<Claimed>(served);
    // The lapsed job went back to the queue (attempts remain) ahead of the later one, and the
    // freed slot served it: never two running at once, the lost token is no longer good.
    expect(next.job).toMatchObject({ id: jobs[0]?.id, status: 'running', attempt: 2 });
    expect(await runningOf(b.server.store, 'export')).toEqual([jobs[0]?.id]);
    expect(await b.server.store.get(jobs[1]?.id ?? '')).toMatchObject({ status: 'queued' });
    const stale = await postJson(`${a.url}/workers/jobs/${lost.job.id}/complete`, {
      token: lost.lease.token,
      result: 'late',
    });
    expect(stale.status).toBe(409);
  });
});
