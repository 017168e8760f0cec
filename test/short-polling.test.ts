import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { startInjectedServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

describe('short polling', () => {
  it('POST /submit starts a demo job that /check-status reports, 0% included', async () => {
    const { url } = await startInjectedServer({ concurrency: 1 });
    // Occupy the only slot so the submitted job stays queued at 0%.
    await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } });
    const submitted = await fetch(`${url}/submit`, { method: 'POST' });
    expect(submitted.status).toBe(202);
    const body = await json<{ id: string; jobId: string; checkStatus: string }>(submitted);
    // `jobId` as in the overview, `id` as everywhere else in the API.
    expect(body).toMatchObject({ id: body.jobId, status: 'queued', progress: 0 });
    expect(body.checkStatus).toBe(`/check-status?jobId=${body.jobId}`);

    const status = await fetch(`${url}${body.checkStatus}`);
    expect(status.status).toBe(200);
    expect(await json(status)).toMatchObject({ id: body.jobId, status: 'queued', progress: 0 });
  });

  it('POST /submit accepts an optional stepMs and rejects a bad one', async () => {
    const { url, server } = await startInjectedServer();
    const ok = await json<{ jobId: string }>(await postJson(`${url}/submit`, { stepMs: 10 }));
    expect((await waitForJob(server.store, ok.jobId, isFinished)).status).toBe('succeeded');
    const bad = await postJson(`${url}/submit`, { stepMs: 1 });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({
      code: 'invalid_input',
      errors: [{ field: 'input.stepMs', message: 'must be >= 10' }],
    });
  });

  it('sends ETag, Cache-Control and Retry-After, and 304 while nothing changed', async () => {
    const { url, server } = await startInjectedServer({ pollInterval: 3000 });
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
    );
    await waitForJob(server.store, job.id, (j) => j.status === 'running');

    const first = await fetch(`${url}/jobs/${job.id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('retry-after')).toBe('3');

    const unchanged = await fetch(`${url}/jobs/${job.id}`, { headers: { 'if-none-match': '"2"' } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    const weak = await fetch(`${url}/check-status?jobId=${job.id}`, {
      headers: { 'if-none-match': 'W/"1", W/"2"' },
    });
    expect(weak.status).toBe(304);

    await server.engine.cancel(job.id);
    const changed = await fetch(`${url}/jobs/${job.id}`, { headers: { 'if-none-match': '"2"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"3"');
    expect(changed.headers.get('retry-after')).toBeNull(); // finished: no need to ask again
    expect(await json(changed)).toMatchObject({ status: 'canceled' });
  });
});
