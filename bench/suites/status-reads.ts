/**
 * Suite 2 — status reads, the short-polling hot path: GET /jobs/:id (200, and 304 with
 * If-None-Match) against a bare node:http server returning the same body and headers (and the
 * same 304), with the same connections and duration. The four runs of a round go in a
 * different order each round (the machine is shared: a neighbour's burst should not always
 * land on the same one), and the figures are medians over rounds.
 * Target: at least 0.85× the bare server's requests/s, for 200 and for 304.
 */
import { loadavg } from 'node:os';
import { runLoad, median, type LoadResult } from '../lib/load.js';
import { startOurServer, submit, waitFinished } from '../lib/our-server.js';
import { startNodeScript, type BenchProcess } from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_HTTP, type Suite } from '../lib/suite.js';

type Run = 'bare' | 'ours' | 'bare304' | 'ours304';
const RUNS: Run[] = ['bare', 'ours', 'bare304', 'ours304'];

interface Tally {
  rps: number[];
  p99: number[];
  cpuSeconds: number;
  requests: number;
}

function tally0(): Tally {
  return { rps: [], p99: [], cpuSeconds: 0, requests: 0 };
}

export const statusReadsSuite: Suite = {
  name: 'status-reads',
  title: 'Status reads: GET /jobs/:id vs a bare node:http server',
  async run(ctx) {
    const ours = await startOurServer(ctx.tempDir());
    const id = await submit(ours.url, 'noop');
    await waitFinished(ours.url, id);
    const first = await fetch(`${ours.url}/jobs/${id}`);
    const body = await first.text();
    const etag = first.headers.get('etag') ?? '';
    const bare = await startNodeScript(BARE_HTTP, { BODY: body, ETAG: etag });

    const rounds = ctx.quick ? 2 : 6;
    const durationSeconds = ctx.quick ? 2 : 3;
    const connections = 50;
    const tally: Record<Run, Tally> = {
      bare: tally0(),
      ours: tally0(),
      bare304: tally0(),
      ours304: tally0(),
    };
    const load: number[] = [];
    const once = async (run: Run): Promise<LoadResult> => {
      const server: BenchProcess = run.startsWith('bare') ? bare : ours;
      const before = server.cpuSeconds();
      const result = await runLoad({
        url: `${server.url}/jobs/${id}`,
        connections,
        durationSeconds,
        headers: run.endsWith('304') ? { 'if-none-match': etag } : undefined,
      });
      const t = tally[run];
      t.cpuSeconds += server.cpuSeconds() - before;
      t.requests += result.total;
      t.rps.push(result.requestsPerSecond);
      t.p99.push(result.latencyP99Ms);
      return result;
    };
    for (let round = 0; round < rounds; round++) {
      ctx.log(`status-reads round ${round + 1}/${rounds}`);
      // Rotate the order: every run is first, second, ... equally often.
      for (let k = 0; k < RUNS.length; k++) await once(RUNS[(round + k) % RUNS.length] ?? 'bare');
      load.push(loadavg()[0] ?? 0);
    }
    await Promise.all([ours.stop(), bare.stop()]);

    const cpuPerRequest = (t: Tally) => (t.cpuSeconds / t.requests) * 1e6;
    const measures: Measure[] = [
      {
        metric: 'GET /jobs/:id → 200',
        unit: 'req/s',
        better: 'higher',
        ours: median(tally.ours.rps),
        baseline: median(tally.bare.rps),
        baselineName: 'bare',
        target: { ratio: 0.85 },
      },
      {
        metric: 'GET /jobs/:id → 304 (If-None-Match)',
        unit: 'req/s',
        better: 'higher',
        ours: median(tally.ours304.rps),
        baseline: median(tally.bare304.rps),
        baselineName: 'bare 304',
        target: { ratio: 0.85 },
      },
      {
        metric: 'latency p99, 200',
        unit: 'ms',
        better: 'lower',
        ours: median(tally.ours.p99),
        baseline: median(tally.bare.p99),
        baselineName: 'bare',
      },
      {
        metric: 'server CPU per request, 200',
        unit: 'µs',
        better: 'lower',
        ours: cpuPerRequest(tally.ours),
        baseline: cpuPerRequest(tally.bare),
        baselineName: 'bare',
      },
      {
        metric: 'server CPU per request, 304',
        unit: 'µs',
        better: 'lower',
        ours: cpuPerRequest(tally.ours304),
        baseline: cpuPerRequest(tally.bare304),
        baselineName: 'bare 304',
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${connections} connections, ${durationSeconds} s per run, ${rounds} rounds of 4 runs in rotating order, medians; body ${body.length} bytes`,
        `load average (1 min) after each round: ${load.map((l) => l.toFixed(2)).join(', ')}`,
        'the load generator shares the machine with the server: both figures are floors',
      ],
    };
  },
};
