/**
 * Suite 5 — jobs: acknowledged, durable POST /jobs per second (against a bare node:http server
 * that parses the same body and answers 202 without storing anything), with both SQLite
 * durability levels; and end-to-end throughput of no-op jobs, from submit to `succeeded`.
 * Target (absolute, from the benchmark issue): at least 10,000 acknowledged submits/s.
 */
import { runLoad } from '../lib/load.js';
import { jobCounts, startOurServer } from '../lib/our-server.js';
import { startNodeScript } from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_HTTP, type Suite } from '../lib/suite.js';

const SUBMIT = JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } });

export const jobsSuite: Suite = {
  name: 'jobs',
  title: 'Jobs: durable submits and end-to-end no-op throughput',
  async run(ctx) {
    const durationSeconds = ctx.quick ? 3 : 8;
    const connections = 50;
    const post = { method: 'POST' as const, headers: { 'content-type': 'application/json' } };

    const bare = await startNodeScript(BARE_HTTP, { BODY: '{"id":"x"}', STATUS: '202' });
    ctx.log('jobs: bare POST baseline');
    const baseline = await runLoad({
      ...post,
      url: `${bare.url}/jobs`,
      body: SUBMIT,
      connections,
      durationSeconds,
    });
    await bare.stop();

    const submits: Record<string, number> = {};
    for (const level of ['normal', 'full']) {
      ctx.log(`jobs: submits with --sqlite-synchronous ${level}`);
      const ours = await startOurServer(ctx.tempDir(), { SQLITE_SYNCHRONOUS: level });
      const load = await runLoad({
        ...post,
        url: `${ours.url}/jobs`,
        body: SUBMIT,
        connections,
        durationSeconds,
      });
      if (load.errors > 0) ctx.log(`  ${load.errors} errors`);
      submits[level] = load.requestsPerSecond;
      await ours.stop();
    }

    ctx.log('jobs: end-to-end no-op jobs');
    const ours = await startOurServer(ctx.tempDir(), { CONCURRENCY: '32' });
    const started = performance.now();
    const load = await runLoad({
      ...post,
      url: `${ours.url}/jobs`,
      body: JSON.stringify({ type: 'noop', input: {} }),
      connections,
      durationSeconds,
    });
    let counts = await jobCounts(ours.url);
    while ((counts.queued ?? 0) + (counts.running ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = await jobCounts(ours.url);
    }
    const elapsed = (performance.now() - started) / 1000;
    await ours.stop();

    const measures: Measure[] = [
      {
        metric: 'acknowledged submits, synchronous=normal',
        unit: 'req/s',
        better: 'higher',
        ours: submits.normal ?? 0,
        baseline: baseline.requestsPerSecond,
        baselineName: 'bare',
        target: { atLeast: 10_000 },
      },
      {
        metric: 'acknowledged submits, synchronous=full',
        unit: 'req/s',
        better: 'higher',
        ours: submits.full ?? 0,
        baseline: baseline.requestsPerSecond,
        baselineName: 'bare',
      },
      {
        metric: 'no-op jobs, submit → succeeded',
        unit: 'jobs/s',
        better: 'higher',
        ours: (counts.succeeded ?? 0) / elapsed,
        note: `${String(load.total)} submitted`,
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${connections} connections, ${durationSeconds} s per run; submits are demo jobs that stay queued`,
        `no-op: ${String(counts.succeeded ?? 0)} jobs succeeded in ${elapsed.toFixed(1)} s (submits and the runner share the server)`,
      ],
    };
  },
};
