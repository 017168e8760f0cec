/**
 * Rate limits and connection caps: past them the answer is 429 (with Retry-After) or the
 * WebSocket error, the refusal is counted in /metrics, and other clients are unaffected.
 */
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { readEventStream } from './helpers/sse.js';
import { startInjectedServer, startTestServer } from './helpers/test-server.js';
import { connect, upgradeStatus } from './helpers/ws-client.js';
import type { Job } from '../src/model/job.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-0123456789abc';
const keys = { apiKeys: `alice:${ALICE},bob:${BOB}` };
const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe('limits', () => {
  it('rate-limits submits per address, with Retry-After, and counts the refusals', async () => {
    const { url } = await startInjectedServer({ submitRatePerIp: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await postJson(`${url}/submit`, {}));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 429]);
    const refused = answers[2];
    expect(refused?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await refused?.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(await metricValue(url, 'limited_total', { limit: 'submit_per_ip' })).toBe(1);
  });

  it('rate-limits submits per API key without touching other keys', async () => {
    const { url } = await startInjectedServer({ ...keys, submitRatePerKey: 1 });
    const submit = (key: string) =>
      postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }, as(key));
    expect((await submit(ALICE)).status).toBe(202);
    expect((await submit(ALICE)).status).toBe(429);
    expect((await submit(BOB)).status).toBe(202);
  });

  it('caps what one key holds open across SSE, long polling and WebSocket', async () => {
    const { url } = await startTestServer({ ...keys, maxConnectionsPerKey: 2 });
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }, as(ALICE)),
    );
    const stream = await readEventStream(`${url}/jobs/${job.id}/events?after=0`, as(ALICE));
    expect(stream.status).toBe(200);
    const current = await json<Job>(await fetch(`${url}/jobs/${job.id}`, { headers: as(ALICE) }));
    const poll = heldPoll(`${url}/jobs/${job.id}?after=${current.seq}&wait=30`, as(ALICE));
    await expect
      .poll(() => metricValue(url, 'transport_open_connections', { transport: 'long-polling' }))
      .toBe(1);

    const third = await readEventStream(`${url}/jobs/${job.id}/events?after=0`, as(ALICE));
    expect(third.status).toBe(429);
    expect(await upgradeStatus(url, as(ALICE))).toBe(429);
    const bobs = await readEventStream(`${url}/events?topics=jobs`, as(BOB));
    expect(bobs.status).toBe(200); // another key is not affected
    expect(await metricValue(url, 'limited_total', { limit: 'connections' })).toBe(2);

    poll.abort();
    stream.close();
    bobs.close();
    await expect.poll(() => upgradeStatus(url, as(ALICE))).toBe(101);
  });

  it('counts per-address caps by X-Forwarded-For only behind a proxy named in --trust-proxy', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const open = (url: string, address: string) =>
      readEventStream(`${url}/events?topics=jobs`, from(address));

    const proxied = await startTestServer({ trustProxy: 'loopback', maxConnectionsPerIp: 1 });
    const first = await open(proxied.url, '203.0.113.1');
    const second = await open(proxied.url, '203.0.113.2');
    expect([first.status, second.status]).toEqual([200, 200]);
    // The right-most address the trusted proxy did not add is the client; what the client
    // wrote to the left of it is not believed.
    expect((await open(proxied.url, '198.51.100.7, 203.0.113.1')).status).toBe(429);
    expect(await upgradeStatus(proxied.url, from('203.0.113.2'))).toBe(429);
    expect(await upgradeStatus(proxied.url, from('203.0.113.3'))).toBe(101);
    first.close();
    second.close();

    // Without --trust-proxy the header is the client's word, and ignored.
    const direct = await startTestServer({ maxConnectionsPerIp: 1 });
    const held = await open(direct.url, '203.0.113.1');
    expect(held.status).toBe(200);
    expect((await open(direct.url, '203.0.113.2')).status).toBe(429);
    expect(await upgradeStatus(direct.url, from('203.0.113.3'))).toBe(429);
    held.close();
  });

  it('rate-limits submits per forwarded address behind a trusted proxy', async () => {
    const { url } = await startInjectedServer({ trustProxy: '127.0.0.1/8', submitRatePerIp: 1 });
    const submit = (address: string) =>
      postJson(`${url}/submit`, {}, { 'x-forwarded-for': address });
    expect((await submit('203.0.113.1')).status).toBe(202);
    expect((await submit('203.0.113.1')).status).toBe(429);
    expect((await submit('203.0.113.2')).status).toBe(202);
  });

  it('rate-limits WebSocket publishes per API key across its connections', async () => {
    const { url } = await startTestServer({ ...keys, publishRatePerKey: 1 });
    const one = await connect(url, { headers: as(ALICE) });
    const two = await connect(url, { headers: as(ALICE) });
    for (const client of [one, two]) {
      client.send({ type: 'subscribe', topic: 'chat:r', id: 's' });
      await client.waitFor((m) => m.type === 'subscribed');
    }
    one.send({ type: 'publish', topic: 'chat:r', data: 'first', id: 'p1' });
    await one.waitFor((m) => m.type === 'published');
    two.send({ type: 'publish', topic: 'chat:r', data: 'second', id: 'p2' });
    expect(await two.waitFor((m) => m.type === 'error' && m.id === 'p2')).toMatchObject({
      code: 'rate_limited',
    });
  });

  it('answers CORS only for the listed origins', async () => {
    const { url } = await startInjectedServer({ origins: 'https://app.example.com' });
    const preflight = (origin: string) =>
      fetch(`${url}/jobs`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,idempotency-key',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${url}/healthz`, { headers: { origin: 'https://app.example.com' } });
    expect(read.headers.get('access-control-expose-headers')).toContain('etag');
  });
});

/** A long poll held open with node:http (no keep-alive pool), abortable. */
function heldPoll(url: string, headers: Record<string, string>): { abort(): void } {
  const request = get(url, { headers, agent: false });
  request.on('error', () => undefined);
  return { abort: () => request.destroy() };
}
