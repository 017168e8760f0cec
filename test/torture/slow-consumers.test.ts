/**
 * Case 5 — slow consumers. Fifty healthy clients (WebSocket and SSE) follow a busy job while
 * heavy lifecycle events of many other jobs stream on the `jobs` topic; slow clients follow
 * the same job and topic and stop reading. The run is done three times on one server process:
 * without the slow clients, with them, and without them again. What must hold: the server's
 * buffered memory stays within the caps (`--ws-max-buffered`, `--sse-max-buffer`) per slow
 * client, the slow clients are conflated and then cut — WebSockets with 4008, event streams
 * closed — and the healthy clients' p99 delay is at most twice the baseline's (the slower
 * of two runs without slow clients, one before and one after).
 */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Job, JobEvent } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { metricValue } from '../helpers/metrics.js';
import { count, figure, quantile } from './helpers/figures.js';
import { sized } from './helpers/size.js';
import { startTortureServer, type TortureServer } from './helpers/torture-server.js';

const KiB = 1024;
const MiB = KiB * KiB;
const CAP = 256 * KiB;
const HIGH_WATER = 16 * KiB;
const HEALTHY = 50;
const SLOW = sized(10, 4); // of each transport
const EVENTS = sized(2000, 1000);
/** Lifecycle events that cannot be conflated away: each burst job ends with a 64 KiB result. */
const RESULT_PAD = 64 * KiB;

interface Healthy {
  delays: number[];
  done: Promise<void>;
  close(): void;
}

interface RunFigures {
  slow: boolean;
  /** Every healthy client's delays, in ms. */
  delays: number[];
  peakWsBuffered: number;
  peakSseBuffered: number;
  rssGrowth: number;
  /** Heavy jobs submitted during the run. */
  burstJobs: number;
}

describe('torture 5: slow consumers', () => {
  it(`${HEALTHY} healthy clients on a busy job, in runs alternating without and with ${SLOW} WebSocket and ${SLOW} SSE clients that stop reading: memory within the caps, slow ones conflated then cut, healthy p99 ≤ 2× baseline`, async () => {
    const server = await startTortureServer({
      wsHeartbeat: 120_000, // paused clients answer no pings: keep that out of this case
      wsHighWaterMark: HIGH_WATER,
      wsMaxBuffered: CAP,
      sseMaxBuffer: CAP,
      concurrency: 16,
    });
    // Runs without and with slow clients alternate, and each side's delays are pooled: the
    // machine is shared, and a neighbour's load during one run must not pass for the slow
    // clients' doing (nor hide it).
    const runs: RunFigures[] = [];
    for (const slow of [0, SLOW, 0, SLOW, 0]) runs.push(await run(server, slow));
    const pooled = (slow: boolean) => runs.filter((r) => r.slow === slow).flatMap((r) => r.delays);
    const baseline = { p50: quantile(pooled(false), 0.5), p99: quantile(pooled(false), 0.99) };
    const withSlow = { p50: quantile(pooled(true), 0.5), p99: quantile(pooled(true), 0.99) };
    const slowRuns = runs.filter((r) => r.slow);
    const peak = (pick: (r: RunFigures) => number) => Math.max(...slowRuns.map(pick));
    const metric = (name: string, labels: Record<string, string> = {}) =>
      metricValue(server.url, name, labels);
    const wsCut = await metric('ws_disconnects_total', { reason: 'slow_consumer' });
    const wsConflated = await metric('ws_conflated_total');
    const sseConflated = await metric('transport_slow_consumer_total', {
      transport: 'sse',
      action: 'conflated',
    });
    const sseCut = await metric('transport_slow_consumer_total', {
      transport: 'sse',
      action: 'closed',
    });
    expect(wsCut).toBe(2 * SLOW);
    expect(sseCut).toBe(2 * SLOW);
    expect(wsConflated).toBeGreaterThan(0);
    expect(sseConflated).toBeGreaterThan(0);
    // Buffered for everyone at once: each slow client at most its cap (plus the frame that
    // crossed it), each healthy one at most a high-water mark and a frame.
    const allowance = SLOW * (CAP + RESULT_PAD + 8 * KiB) + HEALTHY * (HIGH_WATER + RESULT_PAD);
    expect(peak((r) => r.peakWsBuffered)).toBeLessThanOrEqual(allowance);
    expect(peak((r) => r.peakSseBuffered)).toBeLessThanOrEqual(allowance);
    expect(peak((r) => r.rssGrowth)).toBeLessThan(2 * SLOW * CAP + 96 * MiB);
    expect(withSlow.p99).toBeLessThanOrEqual(2 * baseline.p99);
    expect(server.failures()).toEqual([]);
    const p99s = runs.map((r) => `${r.slow ? 'with' : 'without'} ${quantile(r.delays, 0.99)}`);
    figure(
      `slow consumers: ${HEALTHY} healthy clients × ${count(EVENTS)} events of 1 KiB, with about ` +
        `${count(slowRuns[0]?.burstJobs ?? 0)} jobs of 64 KiB results on \`jobs\` meanwhile, 5 ` +
        `alternating runs; without slow clients p50/p99 ${baseline.p50}/${baseline.p99} ms, with ` +
        `${SLOW} WebSocket + ${SLOW} SSE clients not reading ${withSlow.p50}/${withSlow.p99} ms ` +
        `(${(withSlow.p99 / baseline.p99).toFixed(2)}×, bound 2×; per run p99 ${p99s.join(', ')} ms); ` +
        `slow WebSockets conflated ${count(wsConflated)}×, cut with 4008 ${wsCut}/${2 * SLOW}; slow ` +
        `streams conflated ${count(sseConflated)}×, closed ${sseCut}/${2 * SLOW}; peak buffered ` +
        `WebSocket ${(peak((r) => r.peakWsBuffered) / MiB).toFixed(2)} MiB, SSE ` +
        `${(peak((r) => r.peakSseBuffered) / MiB).toFixed(2)} MiB (caps ${CAP / KiB} KiB a client); ` +
        `server RSS +${(peak((r) => r.rssGrowth) / MiB).toFixed(0)} MiB at most`,
    );
  });
});

/** One run: a busy job, a stream of heavy jobs, `HEALTHY` followers and `slow` × 2 stallers. */
async function run(server: TortureServer, slow: number): Promise<RunFigures> {
  const { url } = server;
  const rssBefore = server.rssBytes();
  const busy = await json<Job>(
    await postJson(`${url}/jobs`, {
      type: 'ticker',
      input: { events: EVENTS, intervalMs: 3, pad: KiB },
    }),
  );
  const healthy = await Promise.all(
    Array.from({ length: HEALTHY }, (_, i) =>
      i % 2 === 0 ? healthyWs(url, busy.id) : healthySse(url, busy.id),
    ),
  );
  const slowWs = await Promise.all(Array.from({ length: slow }, () => stalledWs(url, busy.id)));
  const slowSse = await Promise.all(Array.from({ length: slow }, () => stalledSse(url, busy.id)));
  let peakWsBuffered = 0;
  let peakSseBuffered = 0;
  let peakRss = rssBefore;
  let burstJobs = 0;
  const state = { busyDone: false };
  const finished = Promise.all(healthy.map((h) => h.done)).then(() => {
    state.busyDone = true;
  });
  // Heavy jobs for the `jobs` topic, and the server's buffered bytes, until the busy job ends.
  while (!state.busyDone) {
    const submit = postJson(`${url}/jobs`, {
      type: 'ticker',
      input: { events: 1, resultPad: RESULT_PAD },
    });
    burstJobs++;
    const [ws, sse] = await Promise.all([
      metricValue(url, 'ws_buffered_bytes'),
      metricValue(url, 'sse_buffered_bytes'),
      submit.then((r) => r.arrayBuffer()),
    ]);
    peakWsBuffered = Math.max(peakWsBuffered, ws);
    peakSseBuffered = Math.max(peakSseBuffered, sse);
    peakRss = Math.max(peakRss, server.rssBytes());
    await sleep(10);
  }
  await finished;
  for (const h of healthy) h.close();
  // The stalled clients read again: a WebSocket finds the 4008 close behind what it missed.
  const codes = await Promise.all(slowWs.map((s) => s.resume()));
  for (const code of codes) expect(code).toBe(4008);
  for (const s of slowSse) expect(await s.resume()).toBe('cut');
  const delays = healthy.flatMap((h) => h.delays);
  return {
    slow: slow > 0,
    delays,
    peakWsBuffered,
    peakSseBuffered,
    rssGrowth: peakRss - rssBefore,
    burstJobs,
  };
}

/** Delay of an event: from its time on the server (`at`) to its arrival here. */
const delayOf = (event: JobEvent) => Date.now() - Date.parse(event.at);

function healthyWs(url: string, jobId: string): Promise<Healthy> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  const delays: number[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as {
        type: string;
        data?: JobEvent;
        reason?: string;
      };
      if (message.type === 'event' && message.data) delays.push(delayOf(message.data));
      if (message.type === 'unsubscribed' && message.reason === 'ended') resolve();
    });
  });
  return new Promise((resolve) => {
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topic: `job:${jobId}` }));
      resolve({
        delays,
        done,
        close: () => {
          ws.close();
        },
      });
    });
  });
}

function healthySse(url: string, jobId: string): Promise<Healthy> {
  const delays: number[] = [];
  let request: ClientRequest | undefined;
  const done = new Promise<void>((resolve, reject) => {
    request = get(`${url}/jobs/${jobId}/events?after=2`, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, at))?.[1];
          buffer = buffer.slice(at + 2);
          if (data !== undefined) delays.push(delayOf(JSON.parse(data) as JobEvent));
        }
      });
      response.on('end', resolve);
    });
    request.on('error', reject);
  });
  return Promise.resolve({ delays, done, close: () => request?.destroy() });
}

/** A WebSocket that subscribes to the busy job and to `jobs`, then stops reading. */
async function stalledWs(url: string, jobId: string): Promise<{ resume(): Promise<number> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  const closed = new Promise<number>((resolve) => ws.on('close', resolve));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    ws.on('message', (raw: Buffer) => {
      if ((JSON.parse(raw.toString()) as { id?: string }).id === 'in') resolve();
    });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topic: `job:${jobId}` }));
      ws.send(JSON.stringify({ type: 'subscribe', topic: 'jobs', id: 'in' }));
    });
  });
  ws.pause();
  return {
    resume: async () => {
      ws.resume();
      return Promise.race([closed, sleep(60_000).then(() => -1)]);
    },
  };
}

/** An event stream on the busy job and every job's events that stops reading. */
async function stalledSse(
  url: string,
  jobId: string,
): Promise<{ resume(): Promise<'cut' | 'ended'> }> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    get(`${url}/events?jobs=${jobId}&topics=jobs`, resolve).on('error', reject);
  });
  const outcome = new Promise<'cut' | 'ended'>((resolve) => {
    response.on('end', () => {
      resolve('ended');
    });
    response.on('aborted', () => {
      resolve('cut');
    });
    response.on('error', () => {
      resolve('cut');
    });
  });
  response.pause();
  return {
    resume: async () => {
      response.resume();
      return Promise.race([outcome, sleep(60_000).then(() => 'ended' as const)]);
    },
  };
}
