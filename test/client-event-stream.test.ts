/**
 * The SDK's event streams (fetch + the SSE parser) against a scripted server: a stream that
 * falls silent without closing is given up after two announced heartbeat intervals and a
 * second, and resumed from the watch's cursor; statuses decide instead of guesses; the API key
 * goes in the Authorization header; bytes are counted exactly; abort closes the connection.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type Job, type JobEvent } from '../src/client/index.js';
import { MAX_SSE_HEARTBEAT_MS } from '../src/client/liveness.js';
import { OPTION_SPECS } from '../src/config/option-specs.js';
import { scriptedServer } from './helpers/scripted-server.js';

const ID = '3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01';
const HEARTBEAT = 200;
/** Two heartbeat intervals and a second: the SDK's rule (and the WebSocket transport's). */
const ALLOWED_SILENCE = 2 * HEARTBEAT + 1000;
/** Reconnect delays of 10–20 ms, so timings are about the silence timer. */
const BACKOFF = { initialMs: 20, maxMs: 20 };

const now = () => new Date().toISOString();
const start: Job = {
  id: ID,
  type: 'demo',
  status: 'running',
  progress: 0,
  seq: 1,
  attempt: 1,
  maxAttempts: 1,
  priority: 0,
  input: {},
  createdAt: now(),
  updatedAt: now(),
};
const progress = (seq: number, percent: number): JobEvent => ({
  jobId: ID,
  seq,
  kind: 'progress',
  status: 'running',
  progress: percent,
  at: now(),
});
const succeeded = (seq: number): JobEvent => ({
  jobId: ID,
  seq,
  kind: 'succeeded',
  status: 'succeeded',
  progress: 100,
  data: { result: { note: 'déjà vu' } },
  at: now(),
});

async function collect(watch: AsyncIterable<Job>): Promise<Job[]> {
  const seen: Job[] = [];
  for await (const job of watch) seen.push(job);
  return seen;
}

describe('client.watch over SSE', () => {
  it('gives up a stream that falls silent without closing, then resumes from its cursor', async () => {
    const server = await scriptedServer((answer, _request, index) => {
      answer.openStream(HEARTBEAT);
      if (index === 0) {
        answer.event(2, 'progress', progress(2, 50));
        return; // and never another byte, with the connection open
      }
      answer.event(3, 'succeeded', succeeded(3));
      answer.res.end();
    });
    const client = createClient({ baseUrl: server.url, token: 'key-1', backoff: BACKOFF });
    const watch = client.watch(start, { transport: 'sse' });
    const seen = await collect(watch);

    expect(seen.map((job) => [job.seq, job.status, job.progress])).toEqual([
      [1, 'running', 0],
      [2, 'running', 50],
      [3, 'succeeded', 100],
    ]);
    expect(seen.at(-1)?.result).toEqual({ note: 'déjà vu' });
    // The second request resumes after the last seq delivered; no access-token exchange.
    expect(server.requests.map((r) => r.url)).toEqual([
      `/jobs/${ID}/events?after=1`,
      `/jobs/${ID}/events?after=2`,
    ]);
    for (const request of server.requests) {
      expect(request.headers).toMatchObject({
        accept: 'text/event-stream',
        authorization: 'Bearer key-1',
      });
    }
    const [first, second] = server.requests;
    const noticedAfter = (second?.at ?? 0) - (first?.at ?? 0);
    console.log(
      `silent SSE stream given up and reopened ${Math.round(noticedAfter)} ms after it opened ` +
        `(heartbeat ${HEARTBEAT} ms, allowed silence ${ALLOWED_SILENCE} ms, backoff ≤ 20 ms)`,
    );
    expect(noticedAfter).toBeGreaterThanOrEqual(ALLOWED_SILENCE - 10);
    expect(noticedAfter).toBeLessThan(ALLOWED_SILENCE + 1000);
    await first?.closed; // the client closed the silent connection
    expect(watch.stats).toMatchObject({
      transport: 'sse',
      requests: 2,
      connections: 2,
      reconnects: 1,
      updates: 2,
      // Every body byte: retry hints, announcements and events, UTF-8 included.
      bytes: server.bytesWritten(),
    });
  });

  it('bounds the wait for the first byte by connectTimeoutMs, and after it, without an announcement, waits the documented maximum', async () => {
    const server = await scriptedServer((answer, _request, index) => {
      if (index === 0) {
        answer.res.writeHead(200, { 'content-type': 'text/event-stream' });
        answer.res.flushHeaders(); // headers, then nothing
        return;
      }
      answer.openStream(undefined); // an older server: no `: heartbeat-ms`
      answer.event(2, 'progress', progress(2, 50));
      setTimeout(() => {
        answer.event(3, 'succeeded', succeeded(3));
        answer.res.end();
      }, 1500);
    });
    const client = createClient({ baseUrl: server.url, backoff: BACKOFF });
    // Measured from when the client began: the server may see the first request late (it
    // shares this process), which would shorten a gap measured between the two arrivals.
    const began = performance.now();
    const watch = client.watch(start, { transport: 'sse', connectTimeoutMs: 300 });
    const seen = await collect(watch);

    expect(seen.map((job) => job.seq)).toEqual([1, 2, 3]);
    const [first, second] = server.requests;
    expect((second?.at ?? 0) - began).toBeGreaterThanOrEqual(300);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(300 + 1000);
    // 1.5 s of silence on the second stream is well within 2 × 15 s + 1 s: no third request.
    expect(watch.stats).toMatchObject({ requests: 2, connections: 2, reconnects: 1 });
    // What a server that does not announce is assumed to use: the most --sse-heartbeat allows.
    expect(MAX_SSE_HEARTBEAT_MS).toBe(OPTION_SPECS.sseHeartbeat.max);
  });

  it('retries a 503, and reads the snapshot once when the stream answers 204 (finished)', async () => {
    const final: Job = { ...start, status: 'succeeded', progress: 100, seq: 3, result: 42 };
    const server = await scriptedServer((answer, request, index) => {
      if (index === 0) answer.problem(503, 'shutting_down');
      else if (request.url.includes('/events')) answer.res.writeHead(204).end();
      else {
        answer.res.writeHead(200, { 'content-type': 'application/json' });
        answer.write(JSON.stringify(final));
        answer.res.end();
      }
    });
    const client = createClient({ baseUrl: server.url, backoff: BACKOFF });
    const watch = client.watch(start, { transport: 'sse' });
    const seen = await collect(watch);

    expect(seen.at(-1)).toEqual(final);
    expect(server.requests.map((r) => r.url)).toEqual([
      `/jobs/${ID}/events?after=1`,
      `/jobs/${ID}/events?after=1`,
      `/jobs/${ID}`,
    ]);
    expect(watch.stats).toMatchObject({ requests: 3, connections: 0, reconnects: 1, updates: 1 });
  });

  it('rejects at once with the problem document of a 4xx such as job_not_found', async () => {
    const server = await scriptedServer((answer) => {
      answer.problem(404, 'job_not_found');
    });
    const client = createClient({ baseUrl: server.url, backoff: BACKOFF });
    await expect(collect(client.watch(start, { transport: 'sse' }))).rejects.toMatchObject({
      name: 'ClientError',
      code: 'job_not_found',
      status: 404,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('closes the connection when the watch is aborted', async () => {
    const server = await scriptedServer((answer) => {
      answer.openStream(15_000);
      answer.event(2, 'progress', progress(2, 50));
    });
    const client = createClient({ baseUrl: server.url });
    const controller = new AbortController();
    const watch = client.watch(start, { transport: 'sse', signal: controller.signal });
    const seen: Job[] = [];
    await expect(
      (async () => {
        for await (const job of watch) {
          seen.push(job);
          if (job.seq === 2) controller.abort(new Error('done watching'));
        }
      })(),
    ).rejects.toThrow('done watching');
    await server.requests[0]?.closed;
    expect(seen.map((job) => job.seq)).toEqual([1, 2]);
  });
});

describe('client.jobEvents', () => {
  it('gives up a silent stream and opens another (onConnect again)', async () => {
    const server = await scriptedServer((answer, _request, index) => {
      answer.openStream(HEARTBEAT);
      answer.event(index + 1, 'progress', progress(index + 1, 10 * (index + 1)));
    });
    const client = createClient({ baseUrl: server.url, backoff: BACKOFF });
    const controller = new AbortController();
    let connects = 0;
    const events: JobEvent[] = [];
    const feed = client.jobEvents({
      signal: controller.signal,
      onConnect: () => {
        connects++;
      },
    });
    for await (const event of feed) {
      events.push(event);
      if (events.length === 2) break;
    }

    expect(events.map((event) => event.seq)).toEqual([1, 2]);
    expect(connects).toBe(2);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/events?topics=jobs',
      '/events?topics=jobs',
    ]);
    const [first, second] = server.requests;
    const noticedAfter = (second?.at ?? 0) - (first?.at ?? 0);
    expect(noticedAfter).toBeGreaterThanOrEqual(ALLOWED_SILENCE - 10);
    expect(noticedAfter).toBeLessThan(ALLOWED_SILENCE + 1000);
    // Leaving the loop closed the second stream too.
    await second?.closed;
  });

  it('ends with the ClientError of an answer that retrying cannot change', async () => {
    const server = await scriptedServer((answer) => {
      answer.problem(401, 'unauthorized');
    });
    const client = createClient({ baseUrl: server.url, token: 'wrong', backoff: BACKOFF });
    const feed = client.jobEvents();
    await expect(
      (async () => {
        for await (const event of feed) expect.unreachable(JSON.stringify(event));
      })(),
    ).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(server.requests).toHaveLength(1);
  });
});
