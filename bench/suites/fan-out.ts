/**
 * Suite 3 — fan-out: ~100-byte messages broadcast to 1,000 WebSocket clients (in two other
 * processes) by our server (a `chat:` topic publish), by the `ws` README's bare broadcast
 * loop, and by Socket.IO 4 — each in its own process, paced and flat-out (bench/lib/broadcast.ts).
 * Target: our server CPU per delivered message at most 1.15× bare `ws`, and below Socket.IO's.
 */
import { runBroadcast, type BroadcastResult } from '../lib/broadcast.js';
import { startOurServer } from '../lib/our-server.js';
import { startNodeScript, type BenchProcess } from '../lib/processes.js';
import type { Measure } from '../lib/report.js';
import { BARE_WS, SOCKET_IO, type Suite, type SuiteContext } from '../lib/suite.js';
import type { Broadcaster } from '../clients/broadcast-clients.js';

/** Our server as a broadcaster: no publish rate limit, every client from few addresses. */
export const OPEN_CHAT = { WS_PUBLISH_RATE: '1000000', MAX_CONNECTIONS_PER_IP: '100000' };

export const fanOutSuite: Suite = {
  name: 'fan-out',
  title: 'Fan-out: broadcast to WebSocket clients — ours vs bare ws vs Socket.IO',
  async run(ctx) {
    const size = ctx.quick
      ? { clients: 300, paced: { rate: 50, seconds: 2 }, flatOut: { messages: 100, window: 10 } }
      : { clients: 1000, paced: { rate: 50, seconds: 5 }, flatOut: { messages: 300, window: 10 } };
    const results = {} as Record<Broadcaster, BroadcastResult>;
    for (const kind of ['ws', 'socketio', 'ours'] as const) {
      ctx.log(`fan-out: ${kind}, ${size.clients} clients`);
      const server = await startBroadcaster(kind, ctx);
      try {
        results[kind] = await runBroadcast({
          kind,
          urls: [server.url],
          clients: size.clients,
          workers: 2,
          cpuSeconds: () => server.cpuSeconds(),
          paced: size.paced,
          flatOut: size.flatOut,
        });
      } finally {
        await server.stop();
      }
    }
    const cpuPer = (r: BroadcastResult, p: 'paced' | 'flatOut') =>
      (r[p].cpuSeconds / r[p].delivered) * 1e6;
    const rate = (r: BroadcastResult) => r.flatOut.delivered / r.flatOut.seconds;
    const measures: Measure[] = [];
    for (const [p, label] of [
      ['paced', 'paced'],
      ['flatOut', 'flat-out'],
    ] as const) {
      measures.push(
        {
          metric: `server CPU per delivered message, ${label}`,
          unit: 'µs',
          better: 'lower',
          ours: cpuPer(results.ours, p),
          baseline: cpuPer(results.ws, p),
          baselineName: 'bare ws',
          target: { ratio: 1.15 },
        },
        {
          metric: `server CPU per delivered message, ${label}, vs Socket.IO`,
          unit: 'µs',
          better: 'lower',
          ours: cpuPer(results.ours, p),
          baseline: cpuPer(results.socketio, p),
          baselineName: 'Socket.IO',
          target: { ratio: 1 },
        },
      );
    }
    measures.push(
      {
        metric: 'delivered messages/s, flat-out',
        unit: 'msg/s',
        better: 'higher',
        ours: rate(results.ours),
        baseline: rate(results.ws),
        baselineName: 'bare ws',
      },
      {
        metric: 'delivered messages/s, flat-out, vs Socket.IO',
        unit: 'msg/s',
        better: 'higher',
        ours: rate(results.ours),
        baseline: rate(results.socketio),
        baselineName: 'Socket.IO',
      },
    );
    const lost = (['ws', 'socketio', 'ours'] as const).flatMap((kind) =>
      (['paced', 'flatOut'] as const)
        .filter((p) => results[kind][p].delivered < results[kind][p].expected)
        .map(
          (p) =>
            `${kind} ${p}: ${results[kind][p].delivered} of ${results[kind][p].expected} delivered`,
        ),
    );
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${size.clients} clients in 2 worker processes; paced: ${size.paced.rate} msg/s for ${size.paced.seconds} s; flat-out: ${size.flatOut.messages} messages, at most ${size.flatOut.window} in flight`,
        `Socket.IO ${cpuPer(results.socketio, 'flatOut').toFixed(1)} µs and bare ws ${cpuPer(results.ws, 'flatOut').toFixed(1)} µs per delivered message flat-out; Socket.IO ${Math.round(rate(results.socketio))} msg/s`,
        'the clients share the 2 cores with the server: messages/s is a floor, CPU per message the figure to compare',
        ...lost,
      ],
    };
  },
};

async function startBroadcaster(kind: Broadcaster, ctx: SuiteContext): Promise<BenchProcess> {
  if (kind === 'ours') return startOurServer(ctx.tempDir(), OPEN_CHAT);
  return startNodeScript(kind === 'ws' ? BARE_WS : SOCKET_IO, {});
}
