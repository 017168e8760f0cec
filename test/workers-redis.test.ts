/**
 * The worker protocol in Redis mode: any gateway serves any worker. A claim waiting on one
 * gateway is woken by a submit on another; progress, renewal and completion go through a third
 * path; a lapsed lease is handed back once, however many gateways sweep; and an external job
 * never reaches BullMQ (the gateways here also run in-process jobs, and none takes it).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { defineJobType } from '../src/jobs/job-type.js';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { startTestServer } from './helpers/test-server.js';
import { recordEvents, waitForJob } from './helpers/wait-for-job.js';

const RESIZE = defineJobType({
  name: 'resize',
  description: 'Resizes an image (external)',
  execution: 'external',
  timeoutMs: 60_000,
  input: Type.Object({ width: Type.Integer({ minimum: 1 }) }),
});

interface Claimed {
  job: Job;
  lease: { token: string };
}

describe.skipIf(!redisAvailable)('worker protocol in Redis mode', () => {
  const redis = redisForSuite();
  const gateways = async (count: number, workerLease = 30_000) => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    return Promise.all(
      Array.from({ length: count }, () =>
        startTestServer({ redis: redis().url, redisPrefix: prefix, workerLease }, [RESIZE]),
      ),
    );
  };

  it('claims on one gateway what another queued, and finishes it through a third', async () => {
    const [a, b, c] = await gateways(3);
    if (!a || !b || !c) throw new Error('no gateways');
    const waiting = postJson(`${a.url}/workers/claim`, { types: ['resize'], wait: 20 });
    await expect.poll(() => a.server.engine.workers.waitingCount).toBe(1);
    const job = await json<Job>(
      await postJson(`${b.url}/jobs`, { type: 'resize', input: { width: 64 } }),
    );
    const claimed = await json<Claimed>(await waiting);
    expect(claimed.job).toMatchObject({ id: job.id, status: 'running', attempt: 1 });
    const token = claimed.lease.token;
    const progress = await postJson(`${c.url}/workers/jobs/${job.id}/progress`, {
      token,
      progress: 50,
      data: { rows: 32 },
    });
    expect(progress.status).toBe(200);
    const done = await postJson(`${b.url}/workers/jobs/${job.id}/complete`, {
      token,
      result: { width: 64 },
    });
    expect(done.status).toBe(200);
    expect(await json(await fetch(`${c.url}/jobs/${job.id}`))).toMatchObject({
      status: 'succeeded',
      progress: 100,
      result: { width: 64 },
    });
    // No in-process runner (BullMQ worker) on any gateway touched it.
    expect([a, b, c].map((g) => g.server.runner?.activeCount)).toEqual([0, 0, 0]);
  });

  it('hands a lapsed lease back once, however many gateways sweep, and refuses the old holder', async () => {
    const [a, b] = await gateways(2, 300);
    if (!a || !b) throw new Error('no gateways');
    const job = await json<Job>(
      await postJson(`${a.url}/jobs`, { type: 'resize', input: { width: 8 } }),
    );
    const recorded = recordEvents(a.server.store, job.id);
    const first = await json<Claimed>(
      await postJson(`${b.url}/workers/claim`, { types: ['resize'] }),
    );
    await waitForJob(a.server.store, job.id, (j) => j.status === 'queued');
    const second = await json<Claimed>(
      await postJson(`${a.url}/workers/claim`, { types: ['resize'] }),
    );
    expect(second.job).toMatchObject({ id: job.id, attempt: 2 });
    const late = await postJson(`${a.url}/workers/jobs/${job.id}/complete`, {
      token: first.lease.token,
      result: 'late',
    });
    expect([late.status, (await json(late)).code]).toEqual([409, 'lease_lost']);
    const ok = await postJson(`${b.url}/workers/jobs/${job.id}/complete`, {
      token: second.lease.token,
      result: 'ok',
    });
    expect(ok.status).toBe(200);
    await expect
      .poll(() => recorded.events.map((e) => e.kind))
      .toEqual(['started', 'requeued', 'started', 'succeeded']);
  });
});
