/**
 * Redis mode, one gateway: status reads and acknowledged submits of a gateway on Redis, against
 * the same server on SQLite (`synchronous=normal`), and submits against BullMQ's own
 * `Queue.add` on the same Redis — what a team that would otherwise call BullMQ directly gives
 * up for an HTTP API with ownership, idempotency and events. The issue sets no target: these
 * rows are reported.
 *
 * Every contender gets its own fresh Redis (no persistence, the tests' helper) or data folder,
 * the same 50 requests in flight and the same duration; rounds run in rotating order and the
 * figures are medians. Submits are `demo` jobs on a gateway that runs no jobs (`--run-jobs
 * false`), and BullMQ jobs on a queue with no worker: both only enqueue.
 */
import { loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { median, runLoad } from '../lib/load.js';
import { startOurServer, submit } from '../lib/our-server.js';
import type { BenchProcess } from '../lib/processes.js';
import { startRedis } from '../lib/redis.js';
import type { Measure } from '../lib/report.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const SUBMIT = JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } });
const IN_FLIGHT = 50;

type Contender = 'sqlite' | 'redis' | 'bullmq';
const ORDER: Contender[] = ['sqlite', 'redis', 'bullmq'];

interface Figures {
  reads: number[];
  submits: number[];
}

export const redisModeSuite: Suite = {
  name: 'redis-mode',
  title: 'Redis mode, one gateway: reads and submits vs SQLite mode and BullMQ Queue.add',
  async run(ctx) {
    const rounds = ctx.quick ? 2 : 4;
    const durationSeconds = ctx.quick ? 2 : 4;
    const figures: Record<Contender, Figures> = {
      sqlite: { reads: [], submits: [] },
      redis: { reads: [], submits: [] },
      bullmq: { reads: [], submits: [] },
    };
    const load: number[] = [];
    for (let round = 0; round < rounds; round++) {
      ctx.log(`redis-mode round ${round + 1}/${rounds}`);
      for (let k = 0; k < ORDER.length; k++) {
        const contender = ORDER[(round + k) % ORDER.length] ?? 'sqlite';
        const result = await measure(ctx, contender, durationSeconds);
        figures[contender].submits.push(result.submits);
        if (result.reads !== undefined) figures[contender].reads.push(result.reads);
      }
      load.push(loadavg()[0] ?? 0);
    }

    const measures: Measure[] = [
      {
        metric: 'GET /jobs/:id → 200, Redis vs SQLite',
        unit: 'req/s',
        better: 'higher',
        ours: median(figures.redis.reads),
        baseline: median(figures.sqlite.reads),
        baselineName: 'SQLite mode',
      },
      {
        metric: 'acknowledged submits, Redis vs SQLite',
        unit: 'req/s',
        better: 'higher',
        ours: median(figures.redis.submits),
        baseline: median(figures.sqlite.submits),
        baselineName: 'SQLite mode',
      },
      {
        metric: 'acknowledged submits, Redis vs BullMQ Queue.add',
        unit: 'req/s',
        better: 'higher',
        ours: median(figures.redis.submits),
        baseline: median(figures.bullmq.submits),
        baselineName: 'Queue.add',
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${String(IN_FLIGHT)} requests (or Queue.add calls) in flight, ${String(durationSeconds)} s per run, ${String(rounds)} rounds in rotating order, medians`,
        'ours: POST /jobs and GET /jobs/:id over HTTP (autocannon in the bench process); BullMQ: Queue.add called from the bench process, no HTTP in between',
        'Redis 7 without persistence (--redis-durability warn); SQLite with synchronous=normal',
        `load average (1 min) after each round: ${load.map((l) => l.toFixed(2)).join(', ')}`,
      ],
    };
  },
};

/** One contender's submits per second (and reads per second, for ours) on a fresh store. */
async function measure(
  ctx: SuiteContext,
  contender: Contender,
  durationSeconds: number,
): Promise<{ submits: number; reads?: number }> {
  const redis = contender === 'sqlite' ? undefined : await startRedis();
  try {
    if (contender === 'bullmq') return { submits: await queueAdds(redis, durationSeconds) };
    const env: Record<string, string> = redis
      ? { REDIS_URL: redis.url, RUN_JOBS: 'false' }
      : { SQLITE_SYNCHRONOUS: 'normal', RUN_JOBS: 'false' };
    const ours = await startOurServer(ctx.tempDir(), env);
    try {
      const id = await submit(ours.url, 'noop');
      const reads = await runLoad({
        url: `${ours.url}/jobs/${id}`,
        connections: IN_FLIGHT,
        durationSeconds,
      });
      const submits = await runLoad({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        url: `${ours.url}/jobs`,
        body: SUBMIT,
        connections: IN_FLIGHT,
        durationSeconds,
      });
      if (submits.errors + reads.errors > 0)
        ctx.log(`  ${contender}: ${String(submits.errors + reads.errors)} errors`);
      return { submits: submits.requestsPerSecond, reads: reads.requestsPerSecond };
    } finally {
      await ours.stop();
    }
  } finally {
    await redis?.stop();
  }
}

/** Queue.add calls per second, IN_FLIGHT at a time, as a BullMQ producer would make them. */
async function queueAdds(
  redis: BenchProcess | undefined,
  durationSeconds: number,
): Promise<number> {
  if (!redis) throw new Error('BullMQ needs a Redis');
  const { hostname, port } = new URL(redis.url);
  const queue = new Queue('bench', { connection: { host: hostname, port: Number(port) } });
  try {
    await queue.waitUntilReady();
    const data = { stepMs: 60_000 };
    let added = 0;
    const started = performance.now();
    const deadline = started + durationSeconds * 1000;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < deadline) {
          await queue.add('demo', data);
          added++;
        }
      }),
    );
    return added / ((performance.now() - started) / 1000);
  } finally {
    await queue.close();
  }
}
