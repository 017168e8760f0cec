/**
 * API keys on: every job belongs to the key that submitted it, and on every surface another
 * key sees it exactly as it would see a job that does not exist. Also the ways in (bearer key,
 * access token by query or cookie), and what stays public.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AccessTokens } from '../src/auth/access-token.js';
import { createClient } from '../src/client/index.js';
import { redactToken } from '../src/http/log-serializers.js';
import type { Job } from '../src/model/job.js';
import { json } from './helpers/http.js';
import { readEventStream } from './helpers/sse.js';
import { startInjectedServer, startTestServer } from './helpers/test-server.js';
import { connect, wsUrl, type Received } from './helpers/ws-client.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-0123456789abc';
const KEYS = `alice:${ALICE},bob:${BOB}`;

const as = (key: string, headers: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...headers,
});

/** A server with two keys; injected unless the test is about streams or sockets. */
async function server(extra: Parameters<typeof startTestServer>[0] = {}, start = startTestServer) {
  const test = await start({ apiKeys: KEYS, ...extra });
  const submit = async (key: string, input: unknown = { stepMs: 60_000 }, idem?: string) => {
    const response = await fetch(`${test.url}/jobs`, {
      method: 'POST',
      headers: as(key, {
        'content-type': 'application/json',
        ...(idem ? { 'idempotency-key': idem } : {}),
      }),
      body: JSON.stringify({ type: 'demo', input }),
    });
    expect(response.status).toBe(202);
    return json<Job>(response);
  };
  const token = async (key: string) =>
    (
      await json<{ token: string }>(
        await fetch(`${test.url}/auth/token`, { method: 'POST', headers: as(key) }),
      )
    ).token;
  return { ...test, submit, token };
}

/** A problem document with the job id replaced, to compare "not yours" with "not there". */
async function problemWithout(response: Response, id: string) {
  return { status: response.status, body: (await response.text()).replaceAll(id, '<id>') };
}

describe('access control', () => {
  it('shows another key\u2019s job on REST and polling exactly like a missing one', async () => {
    const { url, submit } = await server({}, startInjectedServer);
    const job = await submit(ALICE);
    const missing = randomUUID();
    for (const path of [
      (id: string) => `/jobs/${id}`,
      (id: string) => `/check-status?jobId=${id}`,
      (id: string) => `/jobs/${id}?after=0&wait=1`,
    ]) {
      const theirs = await problemWithout(
        await fetch(`${url}${path(job.id)}`, { headers: as(BOB) }),
        job.id,
      );
      const none = await problemWithout(
        await fetch(`${url}${path(missing)}`, { headers: as(BOB) }),
        missing,
      );
      expect(theirs).toEqual(none);
      expect(theirs.status).toBe(404);
    }
    const cancel = await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE', headers: as(BOB) });
    expect(cancel.status).toBe(404);
    expect((await fetch(`${url}/jobs/${job.id}`, { headers: as(ALICE) })).status).toBe(200);
    const bobs = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs`, { headers: as(BOB) }));
    expect(bobs.jobs).toEqual([]);
    const alices = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs`, { headers: as(ALICE) }));
    expect(alices.jobs.map((j) => j.id)).toEqual([job.id]);
    expect(JSON.stringify(alices)).not.toContain('"owner"');
  });

  it('keeps Idempotency-Keys apart per API key', async () => {
    const { submit } = await server({}, startInjectedServer);
    const a = await submit(ALICE, { stepMs: 60_000 }, 'same-key');
    const b = await submit(BOB, { stepMs: 60_000 }, 'same-key');
    expect(b.id).not.toBe(a.id);
    expect((await submit(ALICE, { stepMs: 60_000 }, 'same-key')).id).toBe(a.id);
  });

  it('answers 401 without a valid key, and keeps health, metrics, documents and pages public', async () => {
    const { url } = await server({}, startInjectedServer);
    const none = await fetch(`${url}/jobs`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await json(none)).toMatchObject({ code: 'unauthorized', status: 401 });
    const wrong = await fetch(`${url}/jobs`, { headers: as('not-a-real-key-at-all') });
    expect(await json(wrong)).toMatchObject({ code: 'unauthorized' });
    for (const path of [
      '/healthz',
      '/healthz/live',
      '/healthz/ready',
      '/metrics',
      '/openapi.json',
      '/errors/unauthorized',
      '/job-types',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    }
  });

  it('shows /stats, activity across every key, only to callers with a key', async () => {
    const { url } = await server({}, startInjectedServer);
    const anonymous = await fetch(`${url}/stats`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const withKey = await fetch(`${url}/stats`, { headers: as(ALICE) });
    expect(withKey.status).toBe(200);
    expect(await json(withKey)).toHaveProperty('openConnections');
  });

  it('streams with an access token (query or cookie) instead of a key, only on stream routes', async () => {
    const { url, submit } = await server();
    const job = await submit(ALICE, { stepMs: 10 });
    const issued = await fetch(`${url}/auth/token`, { method: 'POST', headers: as(ALICE) });
    const { token, owner } = await json<{ token: string; owner: string }>(issued);
    expect(owner).toBe('alice');
    const cookie = issued.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^bp_token=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);

    const byQuery = await readEventStream(`${url}/jobs/${job.id}/events?access_token=${token}`);
    expect(byQuery.status).toBe(200);
    await byQuery.ended;
    expect(byQuery.parsed().events.at(-1)?.event).toBe('succeeded');
    const byCookie = await readEventStream(`${url}/jobs/${job.id}/events?after=0`, {
      cookie: cookie.split(';')[0] ?? '',
    });
    expect(byCookie.status).toBe(200);
    byCookie.close();
    // Not a key: REST and the token endpoint itself still need the key.
    expect((await fetch(`${url}/jobs/${job.id}?access_token=${token}`)).status).toBe(401);
    const tampered = `${token.slice(0, -2)}xx`;
    expect(
      (await readEventStream(`${url}/jobs/${job.id}/events?access_token=${tampered}`)).status,
    ).toBe(401);
  });

  it('marks the token cookie Secure over HTTPS as a trusted proxy reports it, not as a client claims', async () => {
    const cookieFor = async (url: string) =>
      (
        await fetch(`${url}/auth/token`, {
          method: 'POST',
          headers: as(ALICE, { 'x-forwarded-proto': 'https' }),
        })
      ).headers.get('set-cookie') ?? '';
    const proxied = await server({ trustProxy: 'loopback' }, startInjectedServer);
    expect(await cookieFor(proxied.url)).toMatch(/; SameSite=Strict; Secure$/);
    const direct = await server({}, startInjectedServer);
    expect(await cookieFor(direct.url)).toMatch(/; SameSite=Strict$/);
  });

  it('hides other keys\u2019 jobs from SSE: single, multiplexed and the jobs topic', async () => {
    const { url, submit, token } = await server();
    const alices = await submit(ALICE);
    const bobToken = await token(BOB);
    expect(
      (await readEventStream(`${url}/jobs/${alices.id}/events?access_token=${bobToken}`)).status,
    ).toBe(404);
    expect(
      (await readEventStream(`${url}/events?jobs=${alices.id}&access_token=${bobToken}`)).status,
    ).toBe(404);
    const all = await readEventStream(`${url}/events?topics=jobs&access_token=${bobToken}`);
    await submit(ALICE, { stepMs: 10 });
    const bobs = await submit(BOB, { stepMs: 10 });
    await expect
      .poll(() => all.parsed().events.some((e) => e.event === 'succeeded'), { timeout: 10_000 })
      .toBe(true);
    const ids = new Set(
      all.parsed().events.map((e) => (JSON.parse(e.data) as { jobId: string }).jobId),
    );
    expect([...ids]).toEqual([bobs.id]);
  });

  it('hides other keys\u2019 jobs from WebSocket subscriptions and the jobs topic', async () => {
    const { url, submit, token } = await server();
    const alices = await submit(ALICE);
    const bob = await connect(url, { headers: as(BOB) });
    bob.send({ type: 'subscribe', topic: `job:${alices.id}`, id: 1 });
    const missing = randomUUID();
    bob.send({ type: 'subscribe', topic: `job:${missing}`, id: 2 });
    const theirs = await bob.waitFor((m) => m.type === 'error' && m.id === 1);
    const none = await bob.waitFor((m) => m.type === 'error' && m.id === 2);
    expect(JSON.stringify(theirs).replaceAll(alices.id, '<id>').replace('"id":1', '')).toBe(
      JSON.stringify(none).replaceAll(missing, '<id>').replace('"id":2', ''),
    );
    bob.send({ type: 'subscribe', topic: 'jobs' });
    await bob.waitFor((m) => m.type === 'subscribed' && m.topic === 'jobs');
    await submit(ALICE, { stepMs: 10 });
    const bobs = await submit(BOB, { stepMs: 10 });
    const event = (m: Received) => m.data as { jobId: string; kind: string };
    await bob.waitFor(
      (m) => m.type === 'event' && m.topic === 'jobs' && event(m).kind === 'succeeded',
      10_000,
    );
    const seen = new Set(bob.messages.filter((m) => m.type === 'event').map((m) => event(m).jobId));
    expect([...seen]).toEqual([bobs.id]);
    // A browser passes a token in the URL instead of a header.
    const byToken = await connect(url, {}, `?access_token=${await token(ALICE)}`);
    byToken.send({ type: 'subscribe', topic: `job:${alices.id}` });
    expect(await byToken.waitFor((m) => m.type === 'snapshot')).toMatchObject({
      job: { id: alices.id },
    });
  });

  it('refuses a WebSocket upgrade without valid credentials with 401, as HTTP routes do', async () => {
    const { url } = await server();
    const refusal = async (query: string) => {
      const ws = new WebSocket(`${wsUrl(url)}${query}`);
      ws.on('error', () => undefined);
      const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
      let body = '';
      for await (const chunk of response) body += String(chunk);
      ws.terminate();
      return { status: response.statusCode, headers: response.headers, body };
    };
    const none = await refusal('');
    expect(none.status).toBe(401);
    // A 401 says how to authenticate (RFC 9110), on the upgrade as on every other route.
    expect(none.headers['www-authenticate']).toBe('Bearer realm="backend-patterns"');
    // A refused token is not echoed back: the problem's instance is the path, as on HTTP.
    const expired = (await new AccessTokens('x'.repeat(32), 1).issue('bob', 0)).token;
    const bad = await refusal(`?access_token=${expired}`);
    expect(bad.status).toBe(401);
    // A refused token's challenge says why (RFC 6750).
    expect(bad.headers['www-authenticate']).toMatch(
      /^Bearer realm="backend-patterns", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(bad.body).not.toContain(expired);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'invalid_token', instance: '/ws' });
  });

  it('keeps access tokens out of logged URLs', () => {
    expect(redactToken('/events?topics=jobs&access_token=abc.def&after=3')).toBe(
      '/events?topics=jobs&access_token=[redacted]&after=3',
    );
    expect(redactToken('/ws?access_token=abc')).toBe('/ws?access_token=[redacted]');
  });

  it('signs tokens that expire and cannot be forged', async () => {
    const tokens = new AccessTokens('s'.repeat(32), 60_000);
    const { token } = await tokens.issue('alice', 1_000);
    expect((await tokens.verify(token, 2_000)).owner).toBe('alice');
    await expect(tokens.verify(token, 61_001)).rejects.toMatchObject({
      code: 'invalid_token',
      extensions: { reason: 'expired' },
    });
    await expect(
      new AccessTokens('t'.repeat(32), 60_000).verify(token, 2_000),
    ).rejects.toMatchObject({ extensions: { reason: 'bad_signature' } });
    // Someone else's name with alice's signature: the signature no longer matches.
    const [header, , signature] = token.split('.');
    const claims = { sub: 'bob', aud: 'backend-patterns:stream', iss: 'backend-patterns', exp: 99 };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(tokens.verify(forged, 2_000)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});

describe('access control through the SDK', () => {
  it.each(['short-poll', 'long-poll', 'sse', 'websocket'] as const)(
    '%s: watches its own job to the end with an API key, and not another key\u2019s',
    async (transport) => {
      // The polling transports need no socket; the streams do.
      const polls = transport === 'short-poll' || transport === 'long-poll';
      const { url } = await (polls ? startInjectedServer : startTestServer)({ apiKeys: KEYS });
      const alice = createClient({ baseUrl: url, token: ALICE });
      const job = await alice.submit('demo', { stepMs: 10 });
      let last: Job | undefined;
      for await (const snapshot of alice.watch(job, { transport, pollIntervalMs: 20 })) {
        last = snapshot;
      }
      expect(last).toMatchObject({ id: job.id, status: 'succeeded', progress: 100 });

      const bob = createClient({ baseUrl: url, token: BOB });
      await expect(bob.get(job.id)).rejects.toMatchObject({ code: 'job_not_found' });
      const watching = (async () => {
        const seen: Job[] = [];
        for await (const snapshot of bob.watch(job.id, { transport })) seen.push(snapshot);
        return seen;
      })();
      await expect(watching).rejects.toMatchObject({ code: 'job_not_found' });
    },
  );
});
