/**
 * Metrics every waiting transport reports with a `transport` label (`long-polling`, `sse`, ...):
 * what it holds open, what it sends, and what it does to clients that read too slowly. Created
 * once per registry, so each transport module can ask for them without knowing the others.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TransportMetrics {
  /** Held long polls, open event streams, ... */
  open: Gauge<'transport'>;
  bytesSent: Counter<'transport'>;
  /** `conflated`: an unsent update was replaced by a newer one; `closed`: past the buffer cap. */
  slowConsumer: Counter<'transport' | 'action'>;
}

const created = new WeakMap<Registry, TransportMetrics>();

export function transportMetrics(registry: Registry): TransportMetrics {
  let metrics = created.get(registry);
  if (!metrics) {
    metrics = {
      open: new Gauge({
        name: 'transport_open_connections',
        help: 'Requests a transport holds open now (held long polls, event streams), by transport.',
        labelNames: ['transport'] as const,
        registers: [registry],
      }),
      bytesSent: new Counter({
        name: 'transport_bytes_sent_total',
        help: 'Body bytes a transport sent to clients, by transport.',
        labelNames: ['transport'] as const,
        registers: [registry],
      }),
      slowConsumer: new Counter({
        name: 'transport_slow_consumer_total',
        help: 'Actions taken against clients that read too slowly: conflated updates, closed streams.',
        labelNames: ['transport', 'action'] as const,
        registers: [registry],
      }),
    };
    created.set(registry, metrics);
  }
  return metrics;
}
