import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { readEventStream } from './helpers/sse.js';
import { subscriptionCount } from './helpers/subscriptions.js';
import { startTestServer } from './helpers/test-server.js';
import { waitForJob } from './helpers/wait-for-job.js';

// Its own file (its own process): timers left by other tests' clients would blur the count.
describe('server-sent events: a client that leaves', () => {
  it('releases its subscription, its heartbeat timer and its gauge at once', async () => {
    const t = await startTestServer({ sseHeartbeat: 1000 });
    const submitted = await json<Job>(
      await postJson(`${t.url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
    );
    const job = await waitForJob(t.server.store, submitted.id, (j) => j.seq === 2);
    const store = t.server.store;
    const openStreams = () =>
      metricValue(t.url, 'transport_open_connections', { transport: 'sse' });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const subscriptions = subscriptionCount(store);

    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    await expect.poll(openStreams).toBe(1);
    expect(subscriptionCount(store)).toBe(subscriptions + 1);
    // Counted outside expect.poll, whose own timers would count themselves.
    const withStream = timers();

    stream.close();
    await expect.poll(openStreams).toBe(0);
    expect(subscriptionCount(store)).toBe(subscriptions);
    // Released together with the gauge, synchronously on 'close': one timer fewer.
    expect(timers()).toBe(withStream - 1);
  });
});
