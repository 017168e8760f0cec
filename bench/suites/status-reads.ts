/**
 * Suite 2 — status reads, the short-polling hot path: GET /jobs/:id (200, and 304 with
 * If-None-Match) against a bare node:http server returning the same body and headers, with
 * the same connections and duration, alternated round by round.
 * Target: at least 0.85× the bare server's requests/s.
 */
import { runLoad, median } from '../lib/load.js';
import { startOurServer, submit, waitFinished } from '../lib/our-server.js';
import { startNodeScript } from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_HTTP, type Suite } from '../lib/suite.js';

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
    const bare = await startNodeScript(BARE_HTTP, { BODY: body });

    const rounds = ctx.quick ? 1 : 3;
    const durationSeconds = ctx.quick ? 3 : 5;
    const connections = 50;
    const samples = { bare: [] as number[], ours: [] as number[], ours304: [] as number[] };
    const p99 = { bare: [] as number[], ours: [] as number[] };
    const cpu = { bare: 0, ours: 0, bareRequests: 0, oursRequests: 0 };
    for (let round = 1; round <= rounds; round++) {
      ctx.log(`status-reads round ${round}/${rounds}`);
      let before = bare.cpuSeconds();
      const b = await runLoad({ url: `${bare.url}/jobs/${id}`, connections, durationSeconds });
      cpu.bare += bare.cpuSeconds() - before;
      cpu.bareRequests += b.total;
      before = ours.cpuSeconds();
      const o = await runLoad({ url: `${ours.url}/jobs/${id}`, connections, durationSeconds });
      cpu.ours += ours.cpuSeconds() - before;
      cpu.oursRequests += o.total;
      const o304 = await runLoad({
        url: `${ours.url}/jobs/${id}`,
        connections,
        durationSeconds,
        headers: { 'if-none-match': etag },
      });
      samples.bare.push(b.requestsPerSecond);
      samples.ours.push(o.requestsPerSecond);
      samples.ours304.push(o304.requestsPerSecond);
      p99.bare.push(b.latencyP99Ms);
      p99.ours.push(o.latencyP99Ms);
    }
    await Promise.all([ours.stop(), bare.stop()]);

    const bareRps = median(samples.bare);
    const measures: Measure[] = [
      {
        metric: 'GET /jobs/:id → 200',
        unit: 'req/s',
        better: 'higher',
        ours: median(samples.ours),
        baseline: bareRps,
        baselineName: 'bare',
        target: { ratio: 0.85 },
      },
      {
        metric: 'GET /jobs/:id → 304 (If-None-Match)',
        unit: 'req/s',
        better: 'higher',
        ours: median(samples.ours304),
        baseline: bareRps,
        baselineName: 'bare',
      },
      {
        metric: 'latency p99, 200',
        unit: 'ms',
        better: 'lower',
        ours: median(p99.ours),
        baseline: median(p99.bare),
        baselineName: 'bare',
      },
      {
        metric: 'server CPU per request, 200',
        unit: 'µs',
        better: 'lower',
        ours: (cpu.ours / cpu.oursRequests) * 1e6,
        baseline: (cpu.bare / cpu.bareRequests) * 1e6,
        baselineName: 'bare',
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${connections} connections, ${durationSeconds} s per run, ${rounds} alternated round(s), medians; body ${body.length} bytes`,
        'the load generator shares the machine with the server: both figures are floors',
      ],
    };
  },
};
