/**
 * Metrics every waiting transport reports with a `transport` label (`long-polling`, `sse`, ...):
 * what it holds open, what it sends, and what it does to clients that read too slowly. Created
 * once per registry, so each transport module can ask for them without knowing the others.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { Tally } from './tally.js';

export interface TransportMetrics {
  /** Held long polls, open event streams, ... */
  open: Gauge<'transport'>;
  /** Reports a transport's open connections from its own count, read at each scrape. */
  observeOpen(transport: string, count: () => number): void;
  /** Counts body bytes `transport` sent; cheap enough to call per message per client. */
  bytesSent(transport: string): (bytes: number) => void;
  /** `conflated`: an unsent update was replaced by a newer one; `closed`: past the buffer cap. */
  slowConsumer: Counter<'transport' | 'action'>;
}

const created = new WeakMap<Registry, TransportMetrics>();

export function transportMetrics(registry: Registry): TransportMetrics {
  let metrics = created.get(registry);
  if (!metrics) {
    const observed = new Map<string, () => number>();
    const sent = new Map<string, Tally>();
    const bytesSent = new Counter({
      name: 'transport_bytes_sent_total',
      help: 'Body bytes a transport sent to clients, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
      collect() {
        for (const [transport, tally] of sent) this.inc({ transport }, tally.take());
      },
    });
    metrics = {
      open: new Gauge({
        name: 'transport_open_connections',
        help: 'Connections a transport holds open now (held long polls, event streams, WebSockets), by transport.',
        labelNames: ['transport'] as const,
        registers: [registry],
        collect() {
          for (const [transport, count] of observed) this.set({ transport }, count());
        },
      }),
      observeOpen(transport, count) {
        observed.set(transport, count);
      },
      bytesSent(transport) {
        let tally = sent.get(transport);
        if (!tally) {
          tally = new Tally();
          sent.set(transport, tally);
          bytesSent.inc({ transport }, 0); // listed from the start, as before any traffic
        }
        const counting = tally;
        return (bytes) => {
          counting.add(bytes);
        };
      },
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
