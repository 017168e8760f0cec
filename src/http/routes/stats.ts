/**
 * GET /stats: the few live figures the dashboard charts — event-loop delay and the connections
 * each transport holds open — as one small JSON document, so a page need not parse /metrics.
 * The figures are the same ones /metrics exports (transport_open_connections, ws_connections,
 * eventloop_delay_*).
 */
import type { Registry } from 'prom-client';
import { Stats } from '../../model/stats.js';
import type { LoopDelayMonitor } from '../../execution/loop-delay-monitor.js';
import { transportMetrics } from '../../edge/transport-metrics.js';
import type { App } from '../../edge/app-type.js';

export interface StatsDependencies {
  registry: Registry;
  loopDelay: LoopDelayMonitor;
  activeJobs: () => number;
  webSocketConnections: () => number;
}

export function statsRoutes(app: App, deps: StatsDependencies): void {
  const { open } = transportMetrics(deps.registry);
  app.get(
    '/stats',
    {
      // Like /metrics: operational figures, no job data.
      config: { access: 'public' },
      schema: {
        summary: 'Live figures for the dashboard: event-loop delay, open connections',
        tags: ['operations'],
        response: { 200: Stats },
      },
    },
    async (_request, reply) => {
      const held = new Map((await open.get()).values.map((v) => [v.labels.transport, v.value]));
      return reply.header('cache-control', 'no-store').send({
        eventLoopDelayMs: deps.loopDelay.snapshot(),
        openConnections: {
          'long-polling': held.get('long-polling') ?? 0,
          sse: held.get('sse') ?? 0,
          websocket: deps.webSocketConnections(),
        },
        activeJobs: deps.activeJobs(),
      });
    },
  );
}
