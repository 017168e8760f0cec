/**
 * Suite 1 — transports: the same workload over each pattern. C clients each watch the same J
 * jobs; each job makes U updates (progress, then `succeeded`) I ms apart, the jobs spread over
 * one interval. Per transport, a fresh server and client workers in their own processes.
 * Short polling polls at the server's advertised interval (Retry-After, --poll-interval 1s),
 * with If-None-Match, as a well-behaved client does.
 *
 * Push (SSE, WebSocket) is also run against a bare server (bench/servers/bare-push.ts: plain
 * `node:http` and `ws`) that broadcasts the same updates, on the same schedule, in frames of
 * ours' shape, to the same client code: what is left of the delay is the machine's (socket
 * writes, the clients' parsing, two shared cores). Ours and bare alternate A/B/B/A per
 * transport and each side's two runs are pooled, so a load swing on the shared machine falls
 * on both.
 *
 * Targets (from the benchmark issues): long polling at most U + 1 requests per job; SSE and
 * WebSocket one connection per client; WebSocket bytes per update at most 1/10 of short
 * polling's; push p99 delay at 1,000 subscribed clients at most 1.25× the bare server's in the
 * same run (issue 19; it replaced issue 7's absolute 10 ms, which the bare server misses too).
 * WebSocket runs a second time with --ws-deflate (the clients, `ws`, offer permessage-deflate):
 * bytes and server CPU per update both ways.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { percentile } from '../lib/load.js';
import { openGate, startOurServer, startTickers } from '../lib/our-server.js';
import { startNodeScript, type BenchProcess } from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_PUSH, type Suite, type SuiteContext } from '../lib/suite.js';
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
const BARE_NAMES: Partial<Record<Transport, string>> = { sse: 'bare SSE', ws: 'bare ws' };
const DEFLATE_NAME = 'WebSocket + deflate';
const POLL_MS = 1000;
/** The push delay target, ours ÷ bare (issue 19). */
const PUSH_RATIO = 1.25;

interface Size {
  clients: number;
  jobs: number;
  updates: number;
  intervalMs: number;
}

interface Run {
  transport: Transport;
  /** The WebSocket run with --ws-deflate. */
  deflate: boolean;
  /** The bare push server instead of ours. */
  bare: boolean;
}

/** One or more runs of the same kind, pooled. */
interface Outcome extends Run {
  runs: number;
  p50: number;
  p99: number;
  requestsPerJob: number;
  connectionsPerClient: number;
  bytesPerUpdate: number;
  cpuPerDeliveredUs: number;
  deliveredShare: number;
  unfinished: number;
}

/** What one run measured: its clients' reports summed, and the server's CPU time. */
type Totals = Omit<WatchReport, 'type'> & { cpuSeconds: number };

const nameOf = (run: Run) =>
  run.deflate ? DEFLATE_NAME : run.bare ? (BARE_NAMES[run.transport] ?? '') : NAMES[run.transport];

export const transportsSuite: Suite = {
  name: 'transports',
  title: 'Transports: the same job updates over short polling, long polling, SSE and WebSocket',
  async run(ctx) {
    const size: Size = ctx.quick
      ? { clients: 200, jobs: 2, updates: 5, intervalMs: 300 }
      : { clients: 1000, jobs: 2, updates: 10, intervalMs: 500 };
    const workerCount = 2;
    const ours = (transport: Transport): Run => ({ transport, deflate: false, bare: false });
    const bare = (transport: Transport): Run => ({ transport, deflate: false, bare: true });
    const runs: Run[] = [
      ours('short'),
      ours('long'),
      ...[ours('sse'), bare('sse'), bare('sse'), ours('sse')],
      ...[ours('ws'), bare('ws'), bare('ws'), ours('ws')],
      { transport: 'ws', deflate: true, bare: false },
    ];
    const measured: { run: Run; totals: Totals }[] = [];
    const loads: number[] = [];
    for (const [index, run] of runs.entries()) {
      ctx.log(`transports: ${nameOf(run)}, ${size.clients} clients × ${size.jobs} jobs`);
      measured.push({ run, totals: await runOnce(ctx, run, size, workerCount, index) });
      loads.push(loadavg()[0] ?? 0);
    }
    const outcomes = pool(measured, size);
    const bareRuns = outcomes.filter((o) => o.bare);
    return {
      suite: this.name,
      title: this.title,
      measures: measuresOf(outcomes, size.updates, size.clients),
      notes: [
        `${size.clients} clients (${workerCount} worker processes) each watching the same ${size.jobs} jobs; ${size.updates} updates per job, ${size.intervalMs} ms apart; short polls every ${POLL_MS} ms`,
        `push vs bare: runs in the order ours, bare, bare, ours per transport, each side's 2 runs pooled (delays of both in one percentile); bare = bench/servers/bare-push.ts, plain node:http and ws, frames of ours' shape; bytes per update ${bareRuns.map((o) => `${nameOf(o)} ${o.bytesPerUpdate.toFixed(0)} B`).join(', ')}`,
        `delay p99 per run, in run order: ${(['sse', 'ws'] as const).map((t) => `${NAMES[t]} ${perRunP99(measured, t)}`).join('; ')}`,
        `delivered (share of updates that reached clients): ${outcomes.map((o) => `${nameOf(o)} ${(o.deliveredShare * 100).toFixed(0)}%`).join(', ')}; short polling sees only the latest state at each poll`,
        `delay = client receive − the update's \`at\` (snapshots: \`updatedAt\`), whole-ms timestamps; bytes = socket bytes both ways (headers, handshakes, subscriptions included) per update delivered to a client`,
        `load average after each run: ${loads.map((l) => l.toFixed(1)).join(', ')}`,
        ...outcomes
          .filter((o) => o.unfinished > 0)
          .map((o) => `${nameOf(o)}: ${o.unfinished} client(s) did not see every job finish`),
      ],
    };
  },
};

/** "ours 58, bare 45, bare 52, ours 63" for one push transport's runs (not deflate). */
function perRunP99(measured: { run: Run; totals: Totals }[], transport: Transport): string {
  return measured
    .filter(({ run }) => run.transport === transport && !run.deflate)
    .map(
      ({ run, totals }) =>
        `${run.bare ? 'bare' : 'ours'} ${percentile(totals.delays, 99).toFixed(1)}`,
    )
    .join(', ');
}

/** Starts the server for `run` and the jobs it will update; resolves with how to start them. */
async function startServer(
  ctx: SuiteContext,
  run: Run,
  size: Size,
  gate: string,
): Promise<{ server: BenchProcess; jobIds: string[]; go: () => Promise<void> }> {
  if (run.bare) {
    const jobIds = Array.from({ length: size.jobs }, () => randomUUID());
    const server = await startNodeScript(BARE_PUSH, {
      JOB_IDS: jobIds.join(','),
      UPDATES: String(size.updates),
      INTERVAL_MS: String(size.intervalMs),
    });
    const go = async () => {
      const response = await fetch(`${server.url}/go`, { method: 'POST' });
      if (!response.ok) throw new Error(`bare push /go: ${response.status}`);
    };
    return { server, jobIds, go };
  }
  const server = await startOurServer(ctx.tempDir(), {
    CONCURRENCY: '100',
    POLL_INTERVAL: `${POLL_MS}ms`,
    MAX_CONNECTIONS_PER_IP: '100000',
    WS_DEFLATE: String(run.deflate),
  });
  try {
    const jobIds = await startTickers(server.url, gate, size.jobs, size);
    return { server, jobIds, go: () => openGate(server.url, gate) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function runOnce(
  ctx: SuiteContext,
  run: Run,
  size: Size,
  workerCount: number,
  index: number,
): Promise<Totals> {
  const gate = `transports-${index}-${run.transport}${run.deflate ? '-deflate' : ''}`;
  const { server, jobIds, go } = await startServer(ctx, run, size, gate);
  const deadlineMs = size.updates * size.intervalMs + 30_000;
  const workers = startWorkers(WATCHERS, workerCount, (i) => {
    const config: WatchConfig = {
      transport: run.transport,
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
    await go();
    for (const worker of workers) worker.send({ type: 'go' });
    const reports = await fromAll<WatchReport>(workers, 'done', deadlineMs + 10_000);
    const cpuSeconds = server.cpuSeconds() - cpuBefore;
    const sum = (pick: (r: WatchReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    return {
      delays: reports.flatMap((r) => r.delays),
      delivered: sum((r) => r.delivered),
      requests: sum((r) => r.requests),
      connections: sum((r) => r.connections),
      bytes: sum((r) => r.bytes),
      unfinished: sum((r) => r.unfinished),
      cpuSeconds,
    };
  } finally {
    await stopWorkers(workers);
    await server.stop();
  }
}

/** One outcome per kind of run, its runs pooled, in the order of their first run. */
function pool(measured: { run: Run; totals: Totals }[], size: Size): Outcome[] {
  const keyOf = (run: Run) => `${run.transport}/${String(run.deflate)}/${String(run.bare)}`;
  const groups = new Map<string, { run: Run; all: Totals[] }>();
  for (const { run, totals } of measured) {
    const group = groups.get(keyOf(run)) ?? { run, all: [] };
    group.all.push(totals);
    groups.set(keyOf(run), group);
  }
  return [...groups.values()].map(({ run, all }) => {
    const sum = (pick: (t: Totals) => number) => all.reduce((n, t) => n + pick(t), 0);
    const delays = all.flatMap((t) => t.delays);
    const delivered = sum((t) => t.delivered);
    const watched = size.clients * size.jobs * all.length;
    return {
      ...run,
      runs: all.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      requestsPerJob: sum((t) => t.requests) / watched,
      connectionsPerClient: sum((t) => t.connections) / (size.clients * all.length),
      bytesPerUpdate: sum((t) => t.bytes) / delivered,
      cpuPerDeliveredUs: (sum((t) => t.cpuSeconds) / delivered) * 1e6,
      deliveredShare: delivered / (watched * size.updates),
      unfinished: sum((t) => t.unfinished),
    };
  });
}

function measuresOf(all: Outcome[], updates: number, clients: number): Measure[] {
  const outcomes = all.filter((o) => !o.deflate && !o.bare);
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
  for (const transport of ['sse', 'ws'] as const) {
    const o = outcomes.find((x) => x.transport === transport);
    const b = all.find((x) => x.bare && x.transport === transport);
    if (!o || !b) continue;
    const vs = `${NAMES[transport]} vs ${nameOf(b)}`;
    const vsBare = (pick: (x: Outcome) => number) => ({
      ours: pick(o),
      baseline: pick(b),
      baselineName: nameOf(b),
    });
    measures.push(
      { metric: `delay p50, ${vs}`, unit: 'ms', better: 'lower', ...vsBare((x) => x.p50) },
      {
        metric: `delay p99, ${vs}`,
        unit: 'ms',
        better: 'lower',
        ...vsBare((x) => x.p99),
        // The issue's bound is for 1,000 subscribed clients; smaller runs report it only.
        ...(clients >= 1000 ? { target: { ratio: PUSH_RATIO } } : {}),
      },
      {
        metric: `server CPU per delivered update, ${vs}`,
        unit: 'µs',
        better: 'lower',
        ...vsBare((x) => x.cpuPerDeliveredUs),
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
