import { connect, type Socket } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import Type from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import type { Job, JobEvent } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { dechunk, parseEventStream, readEventStream } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

/** Emits `events` progress events (and a result) of about `bytes` each, as fast as it can. */
const chattyJobType = defineJobType({
  name: 'chatty',
  description: 'test: many large progress events',
  execution: 'io',
  input: Type.Object({ events: Type.Integer({ minimum: 1 }), bytes: Type.Integer({ minimum: 0 }) }),
  timeoutMs: 60_000,
  async handler(input, ctx) {
    const pad = 'x'.repeat(input.bytes);
    for (let i = 1; i <= input.events; i++) {
      await ctx.progress((i * 100) / input.events, { i, pad });
      // Like a job doing I/O between updates: the loop gets to run, sockets drain.
      if (i % 10 === 0) await yieldToLoop();
    }
    return { events: input.events, pad };
  },
});

/** A raw client that asks for `path` and then reads nothing; `readAll()` resumes reading. */
async function stalledClient(t: TestServer, path: string) {
  const { hostname, port } = new URL(t.url);
  const socket: Socket = connect({ host: hostname, port: Number(port) });
  onTestFinished(() => {
    socket.destroy();
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  socket.pause(); // the kernel's buffers fill, then the server's
  await expect.poll(() => openStreams(t.url)).toBe(1);
  return {
    /** Resumes reading and resolves with the decoded body once the server closes. */
    readAll: () =>
      new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => {
          const raw = Buffer.concat(chunks);
          resolve(dechunk(raw.subarray(raw.indexOf('\r\n\r\n') + 4)).toString('utf8'));
        });
        socket.resume();
      }),
  };
}

const submitChatty = async (t: TestServer, events: number, bytes: number) =>
  json<Job>(await postJson(`${t.url}/jobs`, { type: 'chatty', input: { events, bytes } }));
const openStreams = (url: string) =>
  metricValue(url, 'transport_open_connections', { transport: 'sse' });
const slowConsumer = (url: string, action: string) =>
  metricValue(url, 'transport_slow_consumer_total', { transport: 'sse', action });

describe('server-sent events: backpressure', () => {
  it('a client that stops reading costs bounded memory: progress is conflated to the latest, the terminal event still arrives', async () => {
    const t = await startTestServer({ concurrency: 1 }, [chattyJobType]);
    // The only runner slot is taken, so the job waits until the client has stopped reading.
    const blocker = await json<Job>(
      await postJson(`${t.url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
    );
    // 2000 events of 8 KiB: 16 MiB, far more than the kernel's socket buffers hold.
    const job = await submitChatty(t, 2000, 8 * 1024);
    const client = await stalledClient(t, `/jobs/${job.id}/events`);
    const sampling = { on: true, max: 0 };
    const sampler = (async () => {
      while (sampling.on) {
        sampling.max = Math.max(sampling.max, await metricValue(t.url, 'sse_buffered_bytes'));
        // A sampling interval, not a wait: back to back, the scrapes took the CPU the job
        // needed, and a loaded machine ran past the test's timeout.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await t.server.engine.cancel(blocker.id);
    const final = await waitForJob(t.server.store, job.id, isFinished, 30_000);
    sampling.on = false;
    await sampler;

    expect(final.status).toBe('succeeded');
    expect(sampling.max).toBeGreaterThan(0);
    expect(sampling.max).toBeLessThanOrEqual(1024 ** 2); // --sse-max-buffer's default
    expect(await slowConsumer(t.url, 'conflated')).toBeGreaterThan(0);
    expect(await slowConsumer(t.url, 'closed')).toBe(0);

    const received = parseEventStream(await client.readAll()).events;
    const seqs = received.map((e) => (JSON.parse(e.data) as JobEvent).seq);
    expect(seqs[0]).toBe(1);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0))).toBe(true);
    expect(received.length).toBeLessThan(final.seq); // some progress was conflated away
    expect(received.at(-1)).toMatchObject({ event: 'succeeded', id: String(final.seq) });
  }, 60_000); // 16 MiB through a stalled socket: ~3 s idle, far longer on a loaded machine

  it('a client that reads while catching up on a long history gets every event, none conflated', async () => {
    const t = await startTestServer({}, [chattyJobType]);
    // 8 MiB of history: more than the socket buffers, so the replay must wait for the reader.
    const job = await submitChatty(t, 1000, 8 * 1024);
    const final = await waitForJob(t.server.store, job.id, isFinished, 30_000);
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    await stream.ended;
    const ids = stream.parsed().events.map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    expect(await slowConsumer(t.url, 'conflated')).toBe(0);
  });

  it('a stalled client is disconnected once what waits for it passes --sse-max-buffer', async () => {
    const t = await startTestServer({ concurrency: 1, sseMaxBuffer: 64 * 1024 }, [chattyJobType]);
    const client = await stalledClient(t, '/events?topics=jobs');
    // 8 MiB to fill the socket buffers, then 20 jobs whose events (8 KiB each) wait one per job:
    // 160 KiB, past the 64 KiB cap.
    await submitChatty(t, 1000, 8 * 1024);
    for (let i = 0; i < 20; i++) await submitChatty(t, 1, 8 * 1024);
    await expect.poll(() => slowConsumer(t.url, 'closed'), { timeout: 15_000 }).toBe(1);
    expect(await openStreams(t.url)).toBe(0);
    expect(await metricValue(t.url, 'sse_buffered_bytes')).toBe(0);

    // What it got before the cut is a clean prefix of whole events.
    const received = parseEventStream(await client.readAll()).events;
    expect(received.length).toBeGreaterThan(0);
    for (const event of received) expect(() => JSON.parse(event.data) as unknown).not.toThrow();
  });
});
