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
import { guardedProblems, jsonBody } from '../../edge/responses.js';

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
      // Activity across every key: with authentication on, only callers with a key see it
      // (/metrics, for the operator's scraper, stays public; restrict it at the proxy).
      schema: {
        operationId: 'getStats',
        summary: 'Live figures for the dashboard: event-loop delay, open connections',
        description: 'With authentication on, the request needs credentials like any API call.',
        tags: ['operations'],
        response: { 200: jsonBody(Stats, 'The figures now.'), ...guardedProblems() },
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
