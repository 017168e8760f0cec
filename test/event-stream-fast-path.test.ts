/**
 * The event-stream fast path (src/http/event-stream-fast-path.ts) opens `GET /jobs/:id/events`
 * in front of Fastify: what it sends must be what the Fastify route sends — bytes, headers,
 * auth, owner visibility, connection caps, metrics, logs. Whether a request went through the
 * Fastify route is visible in what the transport was handed: the route's handler passes
 * Fastify's reply to `SseTransport#open`, the fast path has none.
 */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { ServerOptions } from '../src/config/options.js';
import type { Job } from '../src/model/job.js';
import { createServer } from '../src/server.js';
import { SseTransport } from '../src/transports/sse.js';
import { json, postJson } from './helpers/http.js';
import { AUDIENCE, ISSUER, SHARED_SECRET, claimsFor, signWithSecret } from './helpers/jwt.js';
import { metricValue } from './helpers/metrics.js';
import { rawRequest } from './helpers/raw-http.js';
import { readEventStream } from './helpers/sse.js';
import { tempDir } from './helpers/temp-dir.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-0123456789abc';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

async function submit(t: TestServer, stepMs: number, key?: string): Promise<Job> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return json<Job>(await postJson(`${t.url}/jobs`, { type: 'demo', input: { stepMs } }, headers));
}

/** The whole exchange on one connection, the Date line left out: everything but the clock. */
async function exchange(url: string, path: string, headers: string[] = []) {
  const { host } = new URL(url);
  const request = [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...headers, '', ''].join('\r\n');
  const answer = await rawRequest(url, [request]);
  return { ...answer, headers: answer.headers.replace(/\r\nDate: [^\r]*/, '') };
}

/** Counts the stream requests that reached the Fastify route (it hands the transport its reply). */
function routeStreams() {
  const spy = vi.spyOn(SseTransport.prototype, 'open');
  return () => spy.mock.calls.filter(([call]) => call.reply !== undefined).length;
}

describe('event-stream fast path', () => {
  it('streams with the bytes and headers the Fastify route sends, and counts it in the route metrics', async () => {
    const t = await startTestServer({ sseRetry: 1500 });
    const job = await waitForJob(t.server.store, (await submit(t, 10)).id, isFinished);
    const throughFastify = routeStreams();

    const fast = await exchange(t.url, `/jobs/${job.id}/events`);
    expect(throughFastify()).toBe(0);
    // `?after=0` is the same request to the route (no cursor is 0), but has a query.
    const fromFastify = await exchange(t.url, `/jobs/${job.id}/events?after=0`);
    expect(throughFastify()).toBe(1);
    expect(fast).toEqual(fromFastify);
    expect(fast.status).toBe(200);
    expect(fast.headers).toContain('content-type: text/event-stream; charset=utf-8');
    expect(fast.body).toContain('event: succeeded');

    // Resuming by Last-Event-ID: exactly the missing events, the same way.
    const resumeAt = ['Last-Event-ID: 10'];
    const fastResume = await exchange(t.url, `/jobs/${job.id}/events`, resumeAt);
    expect(throughFastify()).toBe(1);
    expect(fastResume).toEqual(await exchange(t.url, `/jobs/${job.id}/events?after=0`, resumeAt));
    expect(fastResume.body).not.toContain('id: 10\n');
    expect(fastResume.body).toContain('id: 11\n');

    const labels = { method: 'GET', route: '/jobs/:id/events' };
    expect(await metricValue(t.url, 'http_requests_total', { ...labels, status: '200' })).toBe(4);
    expect(await metricValue(t.url, 'http_request_duration_seconds_count', labels)).toBe(4);
  });

  it('holds the stream open with its heartbeats and its gauge, and is ended at shutdown', async () => {
    const t = await startTestServer({ sseHeartbeat: 100 });
    const job = await waitForJob(
      t.server.store,
      (await submit(t, 60_000)).id,
      (j) => j.status === 'running',
    );
    const throughFastify = routeStreams();
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    expect(throughFastify()).toBe(0);
    await expect.poll(() => stream.parsed().comments.length).toBeGreaterThan(3);
    const open = { transport: 'sse' };
    expect(await metricValue(t.url, 'transport_open_connections', open)).toBe(1);
    const closed = t.server.close();
    await stream.ended;
    await closed;
    expect(stream.parsed().comments.at(-1)).toBe('server shutting down; reconnect to resume');
  });

  it('hands Fastify what opening met: an unknown job, a full connection cap (counted once), the end of a job', async () => {
    const t = await startTestServer({ maxConnectionsPerIp: 1 });
    const throughFastify = routeStreams();
    const watches = vi.spyOn(t.server.engine, 'watch');

    const unknown = await fetch(`${t.url}/jobs/${UNKNOWN}/events`);
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ code: 'job_not_found' });
    expect(watches).toHaveBeenCalledTimes(1); // Fastify answered the fast path's 404, unasked
    expect(throughFastify()).toBe(0);

    const running = await waitForJob(
      t.server.store,
      (await submit(t, 60_000)).id,
      (j) => j.status === 'running',
    );
    const held = await readEventStream(`${t.url}/jobs/${running.id}/events`);
    expect(held.status).toBe(200);
    const refused = await fetch(`${t.url}/jobs/${running.id}/events`);
    expect(refused.status).toBe(429);
    expect(await json(refused)).toMatchObject({ code: 'too_many_connections' });
    expect(await metricValue(t.url, 'limited_total', { limit: 'connections' })).toBe(1);
    expect(throughFastify()).toBe(0);
    held.close();

    // The client has the job's last event: Fastify reads it again and answers the 204.
    const done = await waitForJob(t.server.store, (await submit(t, 10)).id, isFinished);
    watches.mockClear();
    const finished = await fetch(`${t.url}/jobs/${done.id}/events`, {
      headers: { 'last-event-id': String(done.seq) },
    });
    expect(finished.status).toBe(204);
    expect(watches).toHaveBeenCalledTimes(2);
    expect(throughFastify()).toBe(1);
    const labels = { method: 'GET', route: '/jobs/:id/events' };
    expect(await metricValue(t.url, 'http_requests_total', { ...labels, status: '404' })).toBe(1);
    expect(await metricValue(t.url, 'http_requests_total', { ...labels, status: '429' })).toBe(1);
    expect(await metricValue(t.url, 'http_requests_total', { ...labels, status: '204' })).toBe(1);
  });

  it('authenticates as the route does, shows a job only to its owner, and leaves scoped tokens to the route', async () => {
    const t = await startTestServer({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const job = await waitForJob(t.server.store, (await submit(t, 10, ALICE)).id, isFinished);
    const throughFastify = routeStreams();
    const as = (key: string) => ({ authorization: `Bearer ${key}` });

    const alice = await readEventStream(`${t.url}/jobs/${job.id}/events`, as(ALICE));
    await alice.ended;
    expect(alice.status).toBe(200);
    expect(alice.parsed().events.at(-1)?.event).toBe('succeeded');
    const bob = await fetch(`${t.url}/jobs/${job.id}/events`, { headers: as(BOB) });
    expect(bob.status).toBe(404);
    expect(await json(bob)).toMatchObject({ code: 'job_not_found' });
    expect(throughFastify()).toBe(0);

    const anonymous = await fetch(`${t.url}/jobs/${job.id}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // An access token as the cookie EventSource sends by itself: a stream route takes it.
    const issued = await json<{ token: string }>(
      await fetch(`${t.url}/auth/token`, { method: 'POST', headers: as(ALICE) }),
    );
    const byCookie = await readEventStream(`${t.url}/jobs/${job.id}/events`, {
      cookie: `bp_token=${issued.token}`,
    });
    await byCookie.ended;
    expect(byCookie.status).toBe(200);
    expect(throughFastify()).toBe(0);

    const scopedServer = await startTestServer({
      jwtSecret: SHARED_SECRET,
      jwtAudience: AUDIENCE,
      jwtIssuer: ISSUER,
    });
    const owner = await signWithSecret(claimsFor('user-1'));
    const [listed, other] = [
      await submit(scopedServer, 10, owner),
      await submit(scopedServer, 10, owner),
    ];
    await waitForJob(scopedServer.server.store, listed.id, isFinished);
    const scoped = await signWithSecret(claimsFor('user-1', Date.now(), { jobs: [listed.id] }));
    const refused = await fetch(`${scopedServer.url}/jobs/${other.id}/events`, {
      headers: as(scoped),
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'insufficient_scope' });
    const allowed = await readEventStream(`${scopedServer.url}/jobs/${listed.id}/events`, {
      ...as(scoped),
    });
    await allowed.ended;
    expect(allowed.status).toBe(200);
    expect(throughFastify()).toBe(1); // only the allowed one reached the route's handler
  });

  it('counts per-address caps by the address Fastify would see, X-Forwarded-For behind a trusted proxy', async () => {
    const t = await startTestServer({ trustProxy: 'loopback', maxConnectionsPerIp: 1 });
    const job = await waitForJob(
      t.server.store,
      (await submit(t, 60_000)).id,
      (j) => j.status === 'running',
    );
    const throughFastify = routeStreams();
    const open = (address: string) =>
      readEventStream(`${t.url}/jobs/${job.id}/events`, { 'x-forwarded-for': address });
    const first = await open('203.0.113.1');
    const second = await open('203.0.113.2');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect((await open('198.51.100.7, 203.0.113.1')).status).toBe(429);
    expect(throughFastify()).toBe(0);
  });

  it('leaves to Fastify: HEAD, a query, an Origin, a bad Last-Event-ID, another route', async () => {
    const t = await startTestServer();
    const job = await waitForJob(t.server.store, (await submit(t, 10)).id, isFinished);
    const throughFastify = routeStreams();
    const path = `/jobs/${job.id}/events`;

    const head = await fetch(`${t.url}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(throughFastify()).toBe(1);

    const query = await readEventStream(`${t.url}${path}?after=11`);
    await query.ended;
    expect(query.parsed().events.map((e) => e.id)).toEqual(['12']);
    expect(throughFastify()).toBe(2);

    const withOrigin = await new Promise<number>((resolve, reject) => {
      const sent = httpRequest(`${t.url}${path}`, { headers: { origin: 'https://elsewhere' } });
      sent.on('error', reject);
      sent.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      });
      sent.end();
    });
    expect(withOrigin).toBe(200);
    expect(throughFastify()).toBe(3);

    const badId = await fetch(`${t.url}${path}`, { headers: { 'last-event-id': 'seven' } });
    expect(badId.status).toBe(400);
    expect(await json(badId)).toMatchObject({ code: 'invalid_event_id' });
    const badJob = await fetch(`${t.url}/jobs/not-a-job/events`);
    expect(badJob.status).toBe(400);
    const multiplexed = await readEventStream(`${t.url}/events?jobs=${job.id}`);
    await multiplexed.ended;
    expect(multiplexed.status).toBe(200);
    expect(throughFastify()).toBe(4);
  });

  it('logs a failed stream with the request id Fastify would give it', async () => {
    const { t, lines } = await loggingServer('error');
    const job = await waitForJob(t.server.store, (await submit(t, 10)).id, isFinished);
    const throughFastify = routeStreams();
    vi.spyOn(t.server.store, 'events').mockRejectedValueOnce(new Error('the disk is gone'));
    // The stream is dropped (the client reconnects and resumes), whatever it had received.
    await exchange(t.url, `/jobs/${job.id}/events`, ['X-Request-Id: trace-42']);
    expect(throughFastify()).toBe(0);
    await expect.poll(() => lines.find((line) => line.msg === 'event stream failed')).toBeTruthy();
    expect(lines.find((line) => line.msg === 'event stream failed')?.reqId).toBe('trace-42');
  });

  it('leaves every stream to Fastify while request logging is on, which logs its end', async () => {
    const { t, lines } = await loggingServer('info', { logRequests: true });
    const job = await waitForJob(t.server.store, (await submit(t, 10)).id, isFinished);
    const throughFastify = routeStreams();
    await exchange(t.url, `/jobs/${job.id}/events`, ['X-Request-Id: trace-43']);
    expect(throughFastify()).toBe(1);
    await expect
      .poll(() =>
        lines.find((line) => line.msg === 'request completed' && line.reqId === 'trace-43'),
      )
      .toBeTruthy();
  });
});

/** A server whose log lines at `level` and above are collected, parsed. */
async function loggingServer(level: string, options: Partial<ServerOptions> = {}) {
  const lines: { msg: string; reqId?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as { msg: string; reqId?: string });
      }
      done();
    },
  });
  const server = await createServer(
    {
      port: 0,
      host: '127.0.0.1',
      shutdownTimeout: 0,
      cpuWorkers: 2,
      dataDir: tempDir(),
      ...options,
    },
    { logger: pino({ level }, sink) },
  );
  onTestFinished(() => server.close());
  const t: TestServer = { server, url: await server.listen(), dataDir: '' };
  return { t, lines };
}
