/**
 * Suite 4 — connections: what an idle connection costs the server. 10,000 idle WebSockets and
 * 10,000 idle event streams, each against a fresh server, with heartbeats every 2 s (so they
 * run while the connections are held), clients in four worker processes on four source
 * addresses. Memory is the server's resident set after a forced full GC (gc-on-signal.js),
 * before and after; baselines: the bare `ws` server and a bare node:http event-stream server
 * holding the same connections. Target: at most 8 KB of server RSS per connection for each.
 * (Folds in the former bench/held-connections.ts and bench/ws-connections.ts.)
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleConfig } from '../clients/idle-connections.js';
import { startOurServer, startTickers } from '../lib/our-server.js';
import {
  collectGarbage,
  GC_ON_SIGNAL,
  startNodeScript,
  type BenchProcess,
} from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_SSE, BARE_WS, type Suite, type SuiteContext } from '../lib/suite.js';
import {
  fromAll,
  share,
  sourceAddress,
  startWorkers,
  stopWorkers,
  type WorkerMessage,
} from '../lib/workers.js';

const IDLE = new URL('../clients/idle-connections.ts', import.meta.url).pathname;
const HEARTBEAT = '2s';
const WORKERS = 4;
type Kind = IdleConfig['kind'];
const NAMES: Record<Kind, string> = { ws: 'WebSockets', sse: 'SSE streams', long: 'long polls' };

interface Held {
  rssPerConnection: number;
  /** V8 heap plus memory outside it that V8 tracks (buffers). */
  heapPerConnection: number;
  seconds: number;
}

export const connectionsSuite: Suite = {
  name: 'connections',
  title: 'Connections: server memory per idle WebSocket and SSE connection',
  async run(ctx) {
    const count = ctx.quick ? 2000 : 10_000;
    const holdMs = ctx.quick ? 2500 : 5000;
    const results = {
      ws: await hold(ctx, 'ws', 'ours', count, holdMs),
      bareWs: await hold(ctx, 'ws', 'bare', count, holdMs),
      sse: await hold(ctx, 'sse', 'ours', count, holdMs),
      bareSse: await hold(ctx, 'sse', 'bare', count, holdMs),
      long: await hold(ctx, 'long', 'ours', count, holdMs),
    };
    const kb = (bytes: number) => bytes / 1000;
    const measures: Measure[] = [
      {
        metric: 'server RSS per idle WebSocket',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.ws.rssPerConnection),
        baseline: kb(results.bareWs.rssPerConnection),
        baselineName: 'bare ws',
        target: { atMost: 8 },
      },
      {
        metric: 'server RSS per idle SSE stream',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.sse.rssPerConnection),
        baseline: kb(results.bareSse.rssPerConnection),
        baselineName: 'bare http',
        target: { atMost: 8 },
      },
      {
        metric: 'V8 heap + external per idle WebSocket',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.ws.heapPerConnection),
        baseline: kb(results.bareWs.heapPerConnection),
        baselineName: 'bare ws',
      },
      {
        metric: 'V8 heap + external per idle SSE stream',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.sse.heapPerConnection),
        baseline: kb(results.bareSse.heapPerConnection),
        baselineName: 'bare http',
      },
      {
        metric: 'server RSS per held long poll',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.long.rssPerConnection),
      },
      {
        metric: 'V8 heap + external per held long poll',
        unit: 'KB',
        better: 'lower',
        ours: kb(results.long.heapPerConnection),
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${count} connections per row, ${WORKERS} client processes on ${WORKERS} source addresses, a fresh server per row; heartbeats every ${HEARTBEAT}, held ${holdMs / 1000} s before measuring`,
        `RSS and heap after a forced full GC, before and after opening; connecting took ${results.ws.seconds.toFixed(1)} s (WebSocket) and ${results.sse.seconds.toFixed(1)} s (SSE)`,
        'the bare ws baseline sends no heartbeats; the bare SSE baseline writes one every 2 s; long polls: `?after=<seq>&wait=600` on a silent job (--long-poll-max-wait 10m), no target',
      ],
    };
  },
};

async function startServer(
  ctx: SuiteContext,
  kind: Kind,
  which: 'ours' | 'bare',
): Promise<{ server: BenchProcess; url: string; gcReport: string }> {
  const start = { execArgv: GC_ON_SIGNAL };
  const gcReport = { GC_REPORT_FILE: join(ctx.tempDir(), 'memory.json') };
  if (which === 'bare') {
    const server = await startNodeScript(
      kind === 'ws' ? BARE_WS : BARE_SSE,
      { HEARTBEAT_MS: '2000', ...gcReport },
      start,
    );
    return {
      server,
      url: kind === 'ws' ? server.url.replace('http', 'ws') : server.url,
      gcReport: gcReport.GC_REPORT_FILE,
    };
  }
  const server = await startOurServer(
    ctx.tempDir(),
    {
      WS_HEARTBEAT: HEARTBEAT,
      SSE_HEARTBEAT: HEARTBEAT,
      MAX_CONNECTIONS_PER_IP: '100000',
      LONG_POLL_MAX_WAIT: '10m',
      ...gcReport,
    },
    start,
  );
  const gcReportFile = gcReport.GC_REPORT_FILE;
  if (kind === 'ws') {
    return { server, url: `${server.url.replace('http', 'ws')}/ws`, gcReport: gcReportFile };
  }
  // A job that stays running and silent: a ticker whose gate never opens.
  const [job] = await startTickers(server.url, 'connections-never', 1, {
    updates: 1,
    intervalMs: 1000,
  });
  const path = kind === 'sse' ? `/jobs/${job ?? ''}/events` : `/jobs/${job ?? ''}?after=2&wait=600`;
  return { server, url: `${server.url}${path}`, gcReport: gcReportFile };
}

/** A held long poll sends nothing back: count them on the server until all are held. */
async function longPollsHeld(server: BenchProcess, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const held = /^transport_open_connections\{transport="long-polling"\} (\d+)/m.exec(text);
    if (Number(held?.[1] ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${held?.[1] ?? 0} long polls held`);
    await sleep(200);
  }
}

async function hold(
  ctx: SuiteContext,
  kind: Kind,
  which: 'ours' | 'bare',
  count: number,
  holdMs: number,
): Promise<Held> {
  ctx.log(`connections: ${count} idle ${NAMES[kind]}, ${which}`);
  const { server, url, gcReport } = await startServer(ctx, kind, which);
  const heap = (memory: NodeJS.MemoryUsage) => memory.heapUsed + memory.external;
  try {
    // Warm up: one connection first, so the code paths are compiled before the baseline.
    const warm = startWorkers(IDLE, 1, () => ({ kind, url, count: 1, address: sourceAddress(0) }));
    await fromAll<WorkerMessage>(warm, 'ready', 60_000);
    await stopWorkers(warm);
    const before = await collectGarbage(server, gcReport);
    const rssBefore = server.rssBytes();
    const started = performance.now();
    const workers = startWorkers(IDLE, WORKERS, (i) => {
      const config: IdleConfig = {
        kind,
        url,
        count: share(count, WORKERS, i),
        address: sourceAddress(i),
      };
      return config;
    });
    try {
      await fromAll<WorkerMessage>(workers, 'ready', 180_000);
      if (kind === 'long') await longPollsHeld(server, count);
      const seconds = (performance.now() - started) / 1000;
      await sleep(holdMs);
      const after = await collectGarbage(server, gcReport);
      return {
        rssPerConnection: (server.rssBytes() - rssBefore) / count,
        heapPerConnection: (heap(after) - heap(before)) / count,
        seconds,
      };
    } finally {
      await stopWorkers(workers);
    }
  } finally {
    await server.stop();
  }
}
