/**
 * Suite 1 — transports: the same workload over each pattern. C clients each watch the same J
 * jobs; each job makes U updates (progress, then `succeeded`) I ms apart, the jobs spread over
 * one interval. Per transport, a fresh server and client workers in their own processes.
 * Short polling polls at the server's advertised interval (Retry-After, --poll-interval 1s),
 * with If-None-Match, as a well-behaved client does.
 *
 * Targets (from the benchmark issue): long polling at most U + 1 requests per job; SSE and
 * WebSocket one connection per client; WebSocket bytes per update at most 1/10 of short
 * polling's; push (SSE, WebSocket) p99 delay under 10 ms at 1,000 subscribed clients.
 * WebSocket runs a second time with --ws-deflate (the clients, `ws`, offer permessage-deflate):
 * bytes and server CPU per update both ways.
 */
import { percentile } from '../lib/load.js';
import { openGate, startOurServer, startTickers } from '../lib/our-server.js';
import type { Measure } from '../lib/report.js';
import type { Suite } from '../lib/suite.js';
import {
  fromAll,
  share,
  sourceAddress,
  startWorkers,
  stopWorkers,
  type WorkerMessage,
} from '../lib/workers.js';
import type { Transport, WatchConfig, WatchReport } from '../clients/job-watchers.js';

const WATCHERS = new URL('../clients/job-watchers.ts', import.meta.url).pathname;
const NAMES: Record<Transport, string> = {
  short: 'short polling',
  long: 'long polling',
  sse: 'SSE',
  ws: 'WebSocket',
};
const DEFLATE_NAME = 'WebSocket + deflate';
const POLL_MS = 1000;

interface Outcome {
  transport: Transport;
  /** The WebSocket run with --ws-deflate. */
  deflate: boolean;
  p50: number;
  p99: number;
  requestsPerJob: number;
  connectionsPerClient: number;
  bytesPerUpdate: number;
  cpuPerDeliveredUs: number;
  deliveredShare: number;
  unfinished: number;
}

export const transportsSuite: Suite = {
  name: 'transports',
  title: 'Transports: the same job updates over short polling, long polling, SSE and WebSocket',
  async run(ctx) {
    const size = ctx.quick
      ? { clients: 200, jobs: 2, updates: 5, intervalMs: 300 }
      : { clients: 1000, jobs: 2, updates: 10, intervalMs: 500 };
    const workerCount = 2;
    const outcomes: Outcome[] = [];
    const runs = [
      ...(['short', 'long', 'sse', 'ws'] as const).map((transport) => ({
        transport,
        deflate: false,
      })),
      { transport: 'ws' as const, deflate: true },
    ];
    for (const { transport, deflate } of runs) {
      const name = deflate ? DEFLATE_NAME : NAMES[transport];
      ctx.log(`transports: ${name}, ${size.clients} clients × ${size.jobs} jobs`);
      const server = await startOurServer(ctx.tempDir(), {
        CONCURRENCY: '100',
        POLL_INTERVAL: `${POLL_MS}ms`,
        MAX_CONNECTIONS_PER_IP: '100000',
        WS_DEFLATE: String(deflate),
      });
      const gate = `transports-${transport}${deflate ? '-deflate' : ''}`;
      const jobIds = await startTickers(server.url, gate, size.jobs, size);
      const deadlineMs = size.updates * size.intervalMs + 30_000;
      const workers = startWorkers(WATCHERS, workerCount, (i) => {
        const config: WatchConfig = {
          transport,
          url: server.url,
          jobIds,
          clients: share(size.clients, workerCount, i),
          address: sourceAddress(i),
          pollMs: POLL_MS,
          firstUpdateSeq: 3,
          deadlineMs,
        };
        return config;
      });
      try {
        await fromAll<WorkerMessage>(workers, 'ready', 120_000);
        const cpuBefore = server.cpuSeconds();
        await openGate(server.url, gate);
        for (const worker of workers) worker.send({ type: 'go' });
        const reports = await fromAll<WatchReport>(workers, 'done', deadlineMs + 10_000);
        const cpu = server.cpuSeconds() - cpuBefore;
        const sum = (pick: (r: WatchReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
        const delays = reports.flatMap((r) => r.delays);
        const delivered = sum((r) => r.delivered);
        const watched = size.clients * size.jobs;
        outcomes.push({
          transport,
          deflate,
          p50: percentile(delays, 50),
          p99: percentile(delays, 99),
          requestsPerJob: sum((r) => r.requests) / watched,
          connectionsPerClient: sum((r) => r.connections) / size.clients,
          bytesPerUpdate: sum((r) => r.bytes) / delivered,
          cpuPerDeliveredUs: (cpu / delivered) * 1e6,
          deliveredShare: delivered / (watched * size.updates),
          unfinished: sum((r) => r.unfinished),
        });
      } finally {
        await stopWorkers(workers);
        await server.stop();
      }
    }
    return {
      suite: this.name,
      title: this.title,
      measures: measuresOf(outcomes, size.updates, size.clients),
      notes: [
        `${size.clients} clients (${workerCount} worker processes) each watching the same ${size.jobs} jobs; ${size.updates} updates per job, ${size.intervalMs} ms apart; short polls every ${POLL_MS} ms`,
        `delivered (share of updates that reached clients): ${outcomes.map((o) => `${o.deflate ? DEFLATE_NAME : NAMES[o.transport]} ${(o.deliveredShare * 100).toFixed(0)}%`).join(', ')}; short polling sees only the latest state at each poll`,
        `delay = client receive − the update's \`at\` (snapshots: \`updatedAt\`), whole-ms timestamps; bytes = socket bytes both ways (headers, handshakes, subscriptions included) per update delivered to a client`,
        ...outcomes
          .filter((o) => o.unfinished > 0)
          .map(
            (o) =>
              `${o.deflate ? DEFLATE_NAME : NAMES[o.transport]}: ${o.unfinished} client(s) did not see every job finish`,
          ),
      ],
    };
  },
};

function measuresOf(all: Outcome[], updates: number, clients: number): Measure[] {
  const outcomes = all.filter((o) => !o.deflate);
  const short = outcomes.find((o) => o.transport === 'short');
  const measures: Measure[] = [];
  for (const o of outcomes) {
    const name = NAMES[o.transport];
    const push = o.transport === 'sse' || o.transport === 'ws';
    const vsShort = (pick: (x: Outcome) => number) =>
      o === short || !short ? {} : { baseline: pick(short), baselineName: 'short' };
    measures.push(
      {
        metric: `delay p50, ${name}`,
        unit: 'ms',
        better: 'lower',
        ours: o.p50,
        ...vsShort((x) => x.p50),
      },
      {
        metric: `delay p99, ${name}`,
        unit: 'ms',
        better: 'lower',
        ours: o.p99,
        ...vsShort((x) => x.p99),
        // The issue's bound is for 1,000 subscribed clients; smaller runs report it only.
        ...(push && clients >= 1000 ? { target: { atMost: 10 } } : {}),
      },
      {
        metric: `HTTP requests per job, ${name}`,
        unit: 'requests',
        better: 'lower',
        ours: o.requestsPerJob,
        ...vsShort((x) => x.requestsPerJob),
        ...(o.transport === 'long' ? { target: { atMost: updates + 1 } } : {}),
      },
      {
        metric: `connections per client, ${name}`,
        unit: 'connections',
        better: 'lower',
        ours: o.connectionsPerClient,
        ...(push ? { target: { atMost: 1 } } : {}),
      },
      {
        metric: `bytes per update, ${name}`,
        unit: 'B',
        better: 'lower',
        ours: o.bytesPerUpdate,
        ...vsShort((x) => x.bytesPerUpdate),
        ...(o.transport === 'ws' ? { target: { ratio: 0.1 } } : {}),
      },
      {
        metric: `server CPU per delivered update, ${name}`,
        unit: 'µs',
        better: 'lower',
        ours: o.cpuPerDeliveredUs,
        ...vsShort((x) => x.cpuPerDeliveredUs),
      },
    );
  }
  const ws = outcomes.find((o) => o.transport === 'ws');
  const deflated = all.find((o) => o.deflate);
  if (ws && deflated) {
    const vsWs = { baselineName: 'WebSocket' };
    measures.push(
      {
        metric: `bytes per update, ${DEFLATE_NAME}`,
        unit: 'B',
        better: 'lower',
        ours: deflated.bytesPerUpdate,
        baseline: ws.bytesPerUpdate,
        ...vsWs,
      },
      {
        metric: `server CPU per delivered update, ${DEFLATE_NAME}`,
        unit: 'µs',
        better: 'lower',
        ours: deflated.cpuPerDeliveredUs,
        baseline: ws.cpuPerDeliveredUs,
        ...vsWs,
      },
      {
        metric: `delay p99, ${DEFLATE_NAME}`,
        unit: 'ms',
        better: 'lower',
        ours: deflated.p99,
        baseline: ws.p99,
        ...vsWs,
      },
    );
  }
  return measures;
}
