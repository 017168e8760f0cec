import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { sleeperJobType } from './helpers/test-job-types.js';
import { startInjectedServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

describe('POST /jobs', () => {
  it('answers 202 with the snapshot and a Location, and the job runs', async () => {
    const { url, server } = await startInjectedServer();
    const response = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } });
    expect(response.status).toBe(202);
    const job = await json<Job>(response);
    expect(response.headers.get('location')).toBe(`/jobs/${job.id}`);
    expect(job).toMatchObject({ type: 'demo', status: 'queued', progress: 0, seq: 1 });
    const done = await waitForJob(server.store, job.id, isFinished);
    expect(done.status).toBe('succeeded');
  });

  it('defaults a missing input to {} and applies schema defaults', async () => {
    const { url } = await startInjectedServer();
    const job = await json<Job>(await postJson(`${url}/jobs`, { type: 'demo' }));
    expect(job.input).toEqual({ stepMs: 3000 });
  });

  it.each([
    ['arrays', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
    ['objects', `{"stepMs":100,"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`],
  ])(
    'refuses an input of %s nested thousands deep with 400, not a stack overflow',
    async (_kind, input) => {
      const { url } = await startInjectedServer();
      const response = await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"type":"demo","input":${input}}`,
      });
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({
        code: 'invalid_input',
        errors: [{ field: 'input', message: 'nests deeper than 64 levels' }],
      });
    },
  );

  it('returns one job for 50 concurrent requests with one Idempotency-Key', async () => {
    const { url } = await startInjectedServer();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        postJson(
          `${url}/jobs`,
          { type: 'demo', input: { stepMs: 1000 } },
          { 'idempotency-key': 'order-17' },
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json<Job>(r)).id)));
    expect(ids.size).toBe(1);
    const replayed = responses.filter((r) => r.headers.get('idempotent-replayed') === 'true');
    expect(replayed).toHaveLength(49);
    const list = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs?limit=100`));
    expect(list.jobs).toHaveLength(1);
  });

  it('answers 422 when an Idempotency-Key is reused for a different request', async () => {
    const { url } = await startInjectedServer();
    const key = { 'idempotency-key': 'k' };
    const first = await json<Job>(await postJson(`${url}/jobs`, { type: 'demo' }, key));
    const again = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }, key);
    expect(again.status).toBe(422);
    expect(await json(again)).toMatchObject({ code: 'idempotency_key_reused', jobId: first.id });
  });
});

describe('GET /jobs', () => {
  it('pages newest first and filters by status and type', async () => {
    const { url, server } = await startInjectedServer({ concurrency: 1 }, [sleeperJobType]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await json<Job>(
        await postJson(`${url}/jobs`, { type: 'sleeper', input: { ms: 60_000 } }),
      );
      ids.push(job.id);
    }
    await waitForJob(server.store, ids[0] ?? '', (j) => j.status === 'running');

    const first = await json<{ jobs: Job[]; nextCursor: string }>(
      await fetch(`${url}/jobs?limit=2`),
    );
    expect(first.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const second = await json<{ jobs: Job[] }>(
      await fetch(`${url}/jobs?limit=2&cursor=${first.nextCursor}`),
    );
    expect(second.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);

    const running = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs?status=running`));
    expect(running.jobs.map((j) => j.id)).toEqual([ids[0]]);
    const demo = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs?type=demo`));
    expect(demo.jobs).toEqual([]);
  });
});

describe('DELETE /jobs/:id', () => {
  it('cancels a running job, is idempotent, and refuses a finished one with 409', async () => {
    const { url, server } = await startInjectedServer({}, [sleeperJobType]);
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'sleeper', input: { ms: 60_000 } }),
    );
    await waitForJob(server.store, job.id, (j) => j.status === 'running');
    const first = await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE' });
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ status: 'canceled' });
    expect((await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(200);

    const quick = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'sleeper', input: { ms: 1 } }),
    );
    await waitForJob(server.store, quick.id, isFinished);
    const refused = await fetch(`${url}/jobs/${quick.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: 'job_finished', status: 409 });
  });
});

describe('GET /job-types', () => {
  it('lists the built-in types with their input schemas', async () => {
    const { url } = await startInjectedServer();
    const types = await json<
      { name: string; execution: string; inputSchema: { properties: object } }[]
    >(await fetch(`${url}/job-types`));
    expect(types.map((t) => [t.name, t.execution])).toEqual([
      ['demo', 'io'],
      ['hash-file', 'io'],
      ['primes', 'cpu'],
    ]);
    expect(Object.keys(types[0]?.inputSchema.properties ?? {})).toEqual(['stepMs']);
  });
});

describe('retention', () => {
  it('prunes finished jobs once they are older than --retention, and keeps unfinished ones', async () => {
    const { url, server } = await startInjectedServer({ retention: 1000 }, [sleeperJobType]);
    const done = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'sleeper', input: { ms: 1 } }),
    );
    const live = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'sleeper', input: { ms: 60_000 } }),
    );
    await waitForJob(server.store, done.id, isFinished);
    await expect
      .poll(async () => (await fetch(`${url}/jobs/${done.id}`)).status, {
        timeout: 8000,
        interval: 250,
      })
      .toBe(404);
    expect((await fetch(`${url}/jobs/${live.id}`)).status).toBe(200);
  });
});
