/**
 * Prometheus metrics at /metrics: HTTP requests and latency by route, jobs by status, job
 * events by kind, and the process defaults (event-loop delay, memory, CPU, GC). Each app gets
 * its own registry, so several servers in one process (tests) do not collide.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ANONYMOUS } from '../auth/caller.js';
import type { JobEngine } from '../jobs/engine.js';

/** Bounds of `http_request_duration_seconds`, in seconds (route-tally.ts adds to them too). */
export const HTTP_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60,
];

export function registerMetrics(app: FastifyInstance, engine: JobEngine): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request start to response end, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'jobs',
    help: 'Jobs in the store, by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await engine.countByStatus();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  const events = new Counter({
    name: 'job_events_total',
    help: 'Job events recorded, by kind (queued, started, progress, succeeded, ...).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  // Every job's events, whoever owns them: the anonymous caller sees all.
  const unsubscribe = engine.watchJobs(ANONYMOUS, (event) => {
    events.inc({ kind: event.kind });
  });
  app.addHook('onClose', () => {
    unsubscribe();
  });

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
  return registry;
}
