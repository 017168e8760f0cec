/**
 * Suite 5 — jobs: acknowledged, durable POST /jobs per second (against a bare node:http server
 * that parses the same body and answers 202 without storing anything), with both SQLite
 * durability levels; and end-to-end throughput of no-op jobs, from submit to `succeeded`: run
 * by the in-process runner, and by external workers over the worker protocol (docs/workers.md),
 * whose figure is reported against the in-process one measured in the same run; and what one
 * worker's claim costs at a backlog of 10,000 (and 100,000) queued jobs of its type against
 * 1,000, on one growing file (bench/lib/claim-backlog.ts).
 * Target (absolute, from the benchmark issue): at least 10,000 acknowledged submits/s.
 */
import { claimCostByBacklog, type ClaimCost } from '../lib/claim-backlog.js';
import { runLoad } from '../lib/load.js';
import { jobCounts, startOurServer } from '../lib/our-server.js';
import { startNodeScript } from '../lib/processes.js';
import { format, type Measure } from '../lib/report.js';
import { BARE_HTTP, type Suite, type SuiteContext } from '../lib/suite.js';

const SUBMIT = JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } });
/** The same submit with the queue options of issue 16: a due time, a priority, retries. */
const SUBMIT_QUEUED = JSON.stringify({
  type: 'demo',
  input: { stepMs: 60_000 },
  delay: 3_600_000,
  priority: 5,
  attempts: 3,
});

/** External worker loops for the worker-protocol figure: as many as the in-process runner's slots. */
const WORKERS = 32;

interface Throughput {
  submitted: number;
  succeeded: number;
  seconds: number;
  jobsPerSecond: number;
}

/**
 * Submits no-op jobs of `type` for the duration and waits until every one finished; with
 * `workers`, that many loops claim and complete them over the worker protocol meanwhile.
 */
async function noopThroughput(
  ctx: SuiteContext,
  type: string,
  load: { connections: number; durationSeconds: number; workers?: number },
): Promise<Throughput> {
  const ours = await startOurServer(ctx.tempDir(), { CONCURRENCY: '32' });
  let working = true;
  const loops = Array.from({ length: load.workers ?? 0 }, async () => {
    while (working) {
      const claim = await post(`${ours.url}/workers/claim`, { types: [type], wait: 1 });
      if (claim.status !== 200) continue;
      const { job, lease } = (await claim.json()) as {
        job: { id: string };
        lease: { token: string };
      };
      await (
        await post(`${ours.url}/workers/jobs/${job.id}/complete`, { token: lease.token })
      ).text();
    }
  });
  const started = performance.now();
  const submits = await runLoad({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    url: `${ours.url}/jobs`,
    body: JSON.stringify({ type, input: {} }),
    connections: load.connections,
    durationSeconds: load.durationSeconds,
  });
  let counts = await jobCounts(ours.url);
  while ((counts.queued ?? 0) + (counts.running ?? 0) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    counts = await jobCounts(ours.url);
  }
  const seconds = (performance.now() - started) / 1000;
  working = false;
  await Promise.all(loops);
  await ours.stop();
  const succeeded = counts.succeeded ?? 0;
  return { submitted: submits.total, succeeded, seconds, jobsPerSecond: succeeded / seconds };
}

/** The runner's slots in the submit servers (startOurServer's default). */
const RUNNER_SLOTS = 4;

/**
 * Plain submits and submits with a due time, a priority and retries, against one server in
 * alternating rounds (plain, queued, queued, plain) so load changes on the shared machine and
 * the file's growth weigh on both alike. The runner is filled first with long jobs, so neither
 * kind is claimed while measured: the figure is what the queue options cost a submit.
 */
async function orderingCost(
  ctx: SuiteContext,
  durationSeconds: number,
  connections: number,
): Promise<{ plain: number; queued: number }> {
  const ours = await startOurServer(ctx.tempDir(), {
    SQLITE_SYNCHRONOUS: 'normal',
    CONCURRENCY: String(RUNNER_SLOTS),
  });
  try {
    for (let i = 0; i < RUNNER_SLOTS; i++)
      await (await post(`${ours.url}/jobs`, JSON.parse(SUBMIT))).text();
    while (((await jobCounts(ours.url)).running ?? 0) < RUNNER_SLOTS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rate = { plain: 0, queued: 0 };
    for (const kind of ['plain', 'queued', 'queued', 'plain'] as const) {
      const load = await runLoad({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        url: `${ours.url}/jobs`,
        body: kind === 'plain' ? SUBMIT : SUBMIT_QUEUED,
        connections,
        durationSeconds: durationSeconds / 2,
      });
      rate[kind] += load.requestsPerSecond / 2;
    }
    return rate;
  } finally {
    await ours.stop();
  }
}

/** A claim's median latency at a backlog, against the smallest backlog's: 1× is flat. */
function claimMeasure(cost: ClaimCost, smallest: ClaimCost | undefined): Measure {
  return {
    metric: `worker claim at a backlog of ${cost.backlog.toLocaleString('en-US')} queued jobs of its type`,
    unit: 'ms',
    better: 'lower',
    ours: cost.claimP50Ms,
    baseline: smallest?.claimP50Ms,
    baselineName: `backlog of ${(smallest?.backlog ?? 0).toLocaleString('en-US')}`,
    target: { ratio: 1.5 },
  };
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

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
    const runs: [string, Record<string, string>, string][] = [
      ['normal', { SQLITE_SYNCHRONOUS: 'normal' }, SUBMIT],
      ['full', { SQLITE_SYNCHRONOUS: 'full' }, SUBMIT],
    ];
    for (const [name, env, body] of runs) {
      ctx.log(`jobs: submits (${name})`);
      const ours = await startOurServer(ctx.tempDir(), env);
      const load = await runLoad({
        ...post,
        url: `${ours.url}/jobs`,
        body,
        connections,
        durationSeconds,
      });
      if (load.errors > 0) ctx.log(`  ${load.errors} errors`);
      submits[name] = load.requestsPerSecond;
      await ours.stop();
    }

    ctx.log('jobs: submits with delay + priority + attempts beside plain ones (one server, ABBA)');
    const ordering = await orderingCost(ctx, durationSeconds, connections);

    ctx.log('jobs: end-to-end no-op jobs');
    const inProcess = await noopThroughput(ctx, 'noop', { connections, durationSeconds });
    ctx.log(`jobs: end-to-end no-op jobs through ${String(WORKERS)} external workers`);
    const external = await noopThroughput(ctx, 'noop-external', {
      connections,
      durationSeconds,
      workers: WORKERS,
    });

    const backlogs = ctx.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    ctx.log(`jobs: a worker's claim at backlogs of ${backlogs.join(', ')} queued jobs`);
    const claims = await claimCostByBacklog(ctx.tempDir(), backlogs);

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
        metric: 'submits with delay + priority + attempts, vs plain',
        unit: 'req/s',
        better: 'higher',
        ours: ordering.queued,
        baseline: ordering.plain,
        baselineName: 'plain submits',
        target: { ratio: 0.8 },
      },
      {
        metric: 'no-op jobs, submit → succeeded',
        unit: 'jobs/s',
        better: 'higher',
        ours: inProcess.jobsPerSecond,
        note: `${String(inProcess.submitted)} submitted`,
      },
      {
        metric: 'no-op external jobs (worker protocol), submit → succeeded',
        unit: 'jobs/s',
        better: 'higher',
        ours: external.jobsPerSecond,
        baseline: inProcess.jobsPerSecond,
        baselineName: 'in-process runner',
        note: `${String(external.submitted)} submitted`,
      },
      ...claims.slice(1).map((cost) => claimMeasure(cost, claims[0])),
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${connections} connections, ${durationSeconds} s per run; submits are demo jobs that stay queued`,
        `delay + priority + attempts vs plain: one server whose runner is full, rounds plain, queued, queued, plain of ${String(durationSeconds / 2)} s each (the order cancels the drift of a growing file)`,
        `no-op: ${String(inProcess.succeeded)} jobs succeeded in ${inProcess.seconds.toFixed(1)} s (submits and the runner share the server)`,
        `external no-op: ${String(external.succeeded)} jobs succeeded in ${external.seconds.toFixed(1)} s; ${String(WORKERS)} worker loops in the bench process (claim with wait, then complete: two HTTP requests per job)`,
        `worker claims: 200 one at a time per backlog, each completed before the next; server CPU per claim + complete ${claims.map((cost) => `${format(cost.cpuPerClaimUs)} µs at ${cost.backlog.toLocaleString('en-US')}`).join(', ')}`,
      ],
    };
  },
};
