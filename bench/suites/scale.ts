/**
 * Scale — 1 gateway vs 2 gateways on one Redis (issue 8): the same fan-out (1,000 WebSocket
 * clients spread over the gateways, the publisher on the first; messages cross gateways through
 * Redis pub/sub) and the same status reads (autocannon, the connections split between the
 * gateways). Reports the ratio; the issue sets no target. Everything — Redis, gateways, clients,
 * load generator — shares the 2 cores, so this shows what a second gateway costs and carries
 * here, not what it would add on a second machine.
 */
import { runBroadcast, type BroadcastPhase } from '../lib/broadcast.js';
import { runLoad } from '../lib/load.js';
import { startOurServer, submit } from '../lib/our-server.js';
import type { BenchProcess } from '../lib/processes.js';
import { startRedis } from '../lib/redis.js';
import type { Measure } from '../lib/report.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import { OPEN_CHAT } from './fan-out.js';

interface Run {
  readsPerSecond: number;
  fanOut: BroadcastPhase;
}

export const scaleSuite: Suite = {
  name: 'scale',
  title: 'Scale: 1 gateway vs 2 gateways on Redis',
  async run(ctx) {
    const size = ctx.quick
      ? { clients: 300, readSeconds: 3, messages: 100 }
      : { clients: 1000, readSeconds: 5, messages: 300 };
    const one = await runWith(ctx, 1, size);
    const two = await runWith(ctx, 2, size);
    const rate = (p: BroadcastPhase) => p.delivered / p.seconds;
    const cpuPer = (p: BroadcastPhase) => (p.cpuSeconds / p.delivered) * 1e6;
    const vsOne = { baselineName: '1 gateway' };
    const measures: Measure[] = [
      {
        metric: 'status reads, GET /jobs/:id',
        unit: 'req/s',
        better: 'higher',
        ours: two.readsPerSecond,
        baseline: one.readsPerSecond,
        ...vsOne,
      },
      {
        metric: 'fan-out, delivered messages/s flat-out',
        unit: 'msg/s',
        better: 'higher',
        ours: rate(two.fanOut),
        baseline: rate(one.fanOut),
        ...vsOne,
      },
      {
        metric: 'fan-out, CPU per delivered message (gateways + Redis)',
        unit: 'µs',
        better: 'lower',
        ours: cpuPer(two.fanOut),
        baseline: cpuPer(one.fanOut),
        ...vsOne,
      },
    ];
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `ours = 2 gateways, baseline = 1; gateways with --redis --run-jobs false; Redis 7 without persistence; ${size.clients} WebSocket clients, ${size.messages} messages flat-out (10 in flight); reads: 50 connections for ${size.readSeconds} s`,
        'one machine of 2 cores runs Redis, the gateways, the clients and autocannon: a second gateway competes for the same cores',
      ],
    };
  },
};

async function runWith(
  ctx: SuiteContext,
  gateways: number,
  size: { clients: number; readSeconds: number; messages: number },
): Promise<Run> {
  ctx.log(`scale: ${gateways} gateway(s)`);
  const redis = await startRedis();
  const servers: BenchProcess[] = [];
  try {
    for (let i = 0; i < gateways; i++) {
      servers.push(
        await startOurServer(ctx.tempDir(), {
          REDIS_URL: redis.url,
          RUN_JOBS: 'false',
          ...OPEN_CHAT,
        }),
      );
    }
    const urls = servers.map((s) => s.url);
    const id = await submit(urls[0] ?? '', 'noop');
    const connections = 50 / gateways;
    const loads = await Promise.all(
      urls.map((url) =>
        runLoad({ url: `${url}/jobs/${id}`, connections, durationSeconds: size.readSeconds }),
      ),
    );
    const readsPerSecond = loads.reduce((n, l) => n + l.requestsPerSecond, 0);
    const cpuSeconds = () => [redis, ...servers].reduce((n, p) => n + p.cpuSeconds(), 0);
    const broadcast = await runBroadcast({
      kind: 'ours',
      urls,
      clients: size.clients,
      workers: 2,
      cpuSeconds,
      paced: { rate: 20, seconds: 1 },
      flatOut: { messages: size.messages, window: 10 },
    });
    return { readsPerSecond, fanOut: broadcast.flatOut };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  }
}
