import { get } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from 'prom-client';
import type { Job } from '../src/model/job.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { LongPolling } from '../src/transports/long-polling.js';
import { JobEngine } from '../src/jobs/engine.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { transportMetrics } from '../src/edge/transport-metrics.js';
import { pino } from 'pino';
import { delegatingStore } from './helpers/delegating-store.js';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { startTestServer } from './helpers/test-server.js';
import { subscriptionCount } from './helpers/subscriptions.js';
import { waitForJob } from './helpers/wait-for-job.js';

const held = (url: string) =>
  metricValue(url, 'transport_open_connections', { transport: 'long-polling' });

/** Long polling on its own, over `store` (no HTTP). */
function standalonePoller(store: Store): LongPolling {
  return new LongPolling(new JobEngine(store, new JobTypeRegistry()), {
    maxWait: 60_000,
    metrics: transportMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
}

/** A server with one demo job that is running and will not change by itself for a minute. */
async function idleRunningJob(options: Parameters<typeof startTestServer>[0] = {}) {
  const test = await startTestServer(options);
  const job = await json<Job>(
    await postJson(`${test.url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
  );
  const running = await waitForJob(test.server.store, job.id, (j) => j.status === 'running');
  return { ...test, job: running };
}

describe('long polling', () => {
  it('holds a request until the next event, then answers with the new snapshot', async () => {
    const { url, server, job } = await idleRunningJob();
    const started = performance.now();
    const poll = fetch(`${url}/jobs/${job.id}?after=${job.seq}&wait=30`);
    await expect.poll(() => held(url)).toBe(1);
    await server.store.update(job.id, { kind: 'progress', progress: 40 });

    const response = await poll;
    expect(response.status).toBe(200);
    expect(response.headers.get('long-poll-outcome')).toBe('changed');
    expect(response.headers.get('etag')).toBe(`"${job.seq + 1}"`);
    expect(response.headers.get('retry-after')).toBeNull(); // the next poll may follow at once
    expect(await json(response)).toMatchObject({ seq: job.seq + 1, progress: 40 });
    expect(performance.now() - started).toBeLessThan(15_000); // far from the 30 s wait
    expect(await held(url)).toBe(0);
  });

  it('answers at once when the job is past `after`, `after` is absent, or the job finished', async () => {
    const { url, server, job } = await idleRunningJob();
    const past = await fetch(`${url}/check-status?jobId=${job.id}&after=1&wait=30`);
    expect(past.headers.get('long-poll-outcome')).toBe('immediate');
    expect(await json(past)).toMatchObject({ seq: job.seq });
    const noCursor = await fetch(`${url}/jobs/${job.id}?wait=30`);
    expect(noCursor.headers.get('long-poll-outcome')).toBe('immediate');
    // A cursor the job never reached (its log lost events): the client must resync, not wait.
    const ahead = await fetch(`${url}/jobs/${job.id}?after=${job.seq + 5}&wait=30`);
    expect(await json(ahead)).toMatchObject({ seq: job.seq });

    const canceled = await server.engine.cancel(job.id);
    const finished = await fetch(`${url}/jobs/${job.id}?after=${canceled.seq}&wait=30`);
    expect(finished.headers.get('long-poll-outcome')).toBe('immediate');
    expect(await json(finished)).toMatchObject({ status: 'canceled' });
  });

  it('times out after wait (capped by --long-poll-max-wait) with the unchanged snapshot, past --request-timeout', async () => {
    // Held requests outlive the anti-slowloris request timeout: it only covers receiving one.
    const { url, job } = await idleRunningJob({
      longPollMaxWait: 2500,
      requestTimeout: 1000,
      headersTimeout: 1000,
    });
    const timed = async (path: string, headers: Record<string, string> = {}) => {
      const started = performance.now();
      const response = await fetch(`${url}${path}`, { headers });
      return { response, ms: performance.now() - started, body: await response.text() };
    };
    const [plain, conditional, overview] = await Promise.all([
      timed(`/jobs/${job.id}?after=${job.seq}&wait=600`),
      timed(`/jobs/${job.id}?after=${job.seq}&wait=600`, { 'if-none-match': `"${job.seq}"` }),
      timed(`/check-status?jobId=${job.id}&after=${job.seq}&wait=0.5`),
    ]);
    expect(plain.response.status).toBe(200);
    expect(plain.response.headers.get('long-poll-outcome')).toBe('timeout');
    expect(JSON.parse(plain.body)).toMatchObject({ id: job.id, seq: job.seq });
    expect(conditional.response.status).toBe(304);
    expect(conditional.body).toBe('');
    expect(overview.response.headers.get('long-poll-outcome')).toBe('timeout');
    // Each waited its own time: the short one about 0.5 s, the capped ones about 2.5 s.
    expect(overview.ms).toBeGreaterThanOrEqual(450);
    expect(plain.ms).toBeGreaterThanOrEqual(2400);
    expect(plain.ms).toBeGreaterThan(overview.ms + 1000);
    expect(plain.ms).toBeLessThan(20_000);
  });

  it('releases the waiter the moment the client goes away', async () => {
    const { url, server, job } = await idleRunningJob();
    const store = server.store;
    const baseline = subscriptionCount(store);
    // node:http rather than fetch: a dropped socket in fetch's pool would linger in the next test.
    const request = get(`${url}/jobs/${job.id}?after=${job.seq}&wait=30`);
    request.on('error', () => undefined);
    await expect.poll(() => held(url)).toBe(1);
    expect(subscriptionCount(store)).toBe(baseline + 1);

    const aborted = performance.now();
    request.destroy();
    await expect.poll(() => held(url)).toBe(0);
    expect(subscriptionCount(store)).toBe(baseline);
    expect(performance.now() - aborted).toBeLessThan(10_000); // not the 30 s wait
  });

  it('never misses a change that lands between subscribing and reading (unit, 100 rounds)', async () => {
    const inner = new SqliteStore({ path: ':memory:' });
    onTestFinished(() => inner.close());
    // Every read returns the job as it was, then commits a change: the worst possible timing
    // for a waiter that read first and subscribed second.
    const racing = delegatingStore(inner, {
      get: async (id) => {
        const before = await inner.get(id);
        if (before?.status === 'running') await inner.update(id, { kind: 'progress', progress: 1 });
        return before;
      },
    });
    const poller = standalonePoller(racing);
    for (let round = 0; round < 100; round++) {
      const { job } = await inner.create({ type: 't', input: null });
      const running = await inner.claimNext();
      const after = running.jobs[0]?.seq ?? 0;
      const result = await poller.wait({
        jobId: job.id,
        after,
        waitMs: 60_000,
        signal: new AbortController().signal,
      });
      expect(['changed', 'immediate'], `round ${round}`).toContain(result.outcome);
      expect(result.job?.seq, `round ${round}`).toBe(after + 1);
    }
    expect(poller.held).toBe(0);
    expect(inner.subscriptionCount).toBe(0);
  });

  it('closes once: held requests answered `closing`, later ones too, nothing left subscribed', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    onTestFinished(() => store.close());
    const poller = standalonePoller(store);
    const { job } = await store.create({ type: 't', input: null });
    const after = (await store.claimNext()).jobs[0]?.seq ?? 0;
    const request = { jobId: job.id, after, waitMs: 60_000, signal: new AbortController().signal };
    const waiting = poller.wait(request);
    await expect.poll(() => poller.held).toBe(1);
    expect(poller.state).toBe('running');

    const closing = poller.close();
    expect(poller.close()).toBe(closing);
    expect(await waiting).toMatchObject({ outcome: 'closing', job: { id: job.id, seq: after } });
    await closing;
    expect(poller.state).toBe('closed');
    expect(await poller.wait(request)).toMatchObject({ outcome: 'closing', job: { seq: after } });
    expect(poller.held).toBe(0);
    expect(store.subscriptionCount).toBe(0);
  });

  it('never misses a change racing the request over HTTP (40 rounds)', async () => {
    const { url, server, job } = await idleRunningJob();
    let seq = job.seq;
    for (let round = 0; round < 40; round++) {
      const poll = fetch(`${url}/jobs/${job.id}?after=${seq}&wait=30`);
      // The change lands anywhere from before the request is parsed to after it is held.
      await new Promise((resolve) => setTimeout(resolve, round % 8));
      await server.store.update(job.id, { kind: 'progress', progress: round });
      const response = await poll;
      const body = await json<Job>(response);
      expect(body.seq, `round ${round}`).toBe(seq + 1);
      expect(['changed', 'immediate']).toContain(response.headers.get('long-poll-outcome'));
      seq = body.seq;
    }
  });

  it('answers held requests with the current snapshot when the server shuts down', async () => {
    const { url, server } = await startTestServer({ concurrency: 1 });
    // A queued job: shutdown hands running jobs back (an event), but this one stays as it is.
    await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } });
    const job = await json<Job>(await postJson(`${url}/jobs`, { type: 'demo' }));
    const poll = fetch(`${url}/check-status?jobId=${job.id}&after=${job.seq}&wait=30`);
    await expect.poll(() => held(url)).toBe(1);
    const closing = performance.now();
    await server.close();
    const response = await poll;
    expect(response.status).toBe(200);
    expect(response.headers.get('long-poll-outcome')).toBe('closing');
    expect(response.headers.get('connection')).toBe('close');
    expect(await json(response)).toMatchObject({ status: 'queued', seq: job.seq });
    expect(performance.now() - closing).toBeLessThan(10_000); // not the 30 s wait
  });

  it('rejects a bad wait or after, and an unknown job, with problem documents', async () => {
    const { url, job } = await idleRunningJob();
    const negative = await fetch(`${url}/jobs/${job.id}?after=1&wait=-1`);
    expect(negative.status).toBe(400);
    expect(await json(negative)).toMatchObject({ code: 'invalid_request' });
    const word = await fetch(`${url}/check-status?jobId=${job.id}&after=soon&wait=5`);
    expect(await json(word)).toMatchObject({ code: 'invalid_request', status: 400 });
    const missing = await fetch(`${url}/jobs/00000000-0000-4000-8000-000000000000?after=1&wait=5`);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: 'job_not_found' });
  });
});
