/** POST /jobs with queue options (issue 16): stored and shown, bounds enforced with 400. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { createClient } from '../src/client/index.js';
import { json, postJson } from './helpers/http.js';
import { startInjectedServer } from './helpers/test-server.js';

describe('POST /jobs queue options', () => {
  it('stores attempts, backoff, priority and a delay, and shows them in the snapshot', async () => {
    const { url } = await startInjectedServer();
    const backoff = { type: 'exponential', delayMs: 500, maxDelayMs: 8000, jitter: 0.1 };
    const before = Date.now();
    const response = await postJson(`${url}/jobs`, {
      type: 'demo',
      input: { stepMs: 10 },
      attempts: 4,
      backoff,
      priority: 7,
      delay: 60_000,
    });
    expect(response.status).toBe(202);
    const job = await json<Job>(response);
    expect(job).toMatchObject({ status: 'queued', maxAttempts: 4, backoff, priority: 7 });
    const due = Date.parse(job.runAt ?? '');
    expect(due).toBeGreaterThanOrEqual(before + 60_000);
    expect(due).toBeLessThan(Date.now() + 60_000 + 1000);
    const page = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs`));
    expect(page.jobs[0]).toMatchObject({ id: job.id, priority: 7, runAt: job.runAt });
  });

  it('takes the same options through the SDK, with runAt as a time', async () => {
    const { url } = await startInjectedServer();
    const client = createClient({ baseUrl: url });
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const job = await client.submit('demo', { stepMs: 10 }, { attempts: 2, priority: -5, runAt });
    expect(job).toMatchObject({ maxAttempts: 2, priority: -5, runAt });
    expect(job.backoff).toMatchObject({ type: 'exponential' }); // the default, as attempts > 1
    const plain = await client.submit('demo', { stepMs: 10 });
    expect(plain).toMatchObject({ maxAttempts: 1, priority: 0 });
    expect(plain.backoff).toBeUndefined();
    expect(plain.runAt).toBeUndefined();
  });

  it.each([
    ['attempts 0', { attempts: 0 }],
    ['attempts 101', { attempts: 101 }],
    ['priority 1001', { priority: 1001 }],
    ['priority 1.5', { priority: 1.5 }],
    ['a negative delay', { delay: -1 }],
    ['an unknown backoff type', { backoff: { type: 'linear', delayMs: 10 } }],
    [
      'a cap below the delay',
      { attempts: 2, backoff: { type: 'fixed', delayMs: 10, maxDelayMs: 5 } },
    ],
    ['both delay and runAt', { delay: 10, runAt: new Date().toISOString() }],
    ['a runAt that is no time', { runAt: 'tomorrow-ish' }],
  ])('refuses %s with 400 invalid_request', async (_name, options) => {
    const { url } = await startInjectedServer();
    const response = await postJson(`${url}/jobs`, { type: 'demo', ...options });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ code: 'invalid_request' });
  });
});
