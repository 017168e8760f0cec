/** Prometheus metrics of webhook delivery, on the app's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryState } from '../../model/webhook.js';

/** What one attempt came to: a 2xx, another status, or no response at all. */
export type AttemptResult = 'success' | 'http_error' | 'no_response' | 'refused';

export interface WebhookMetrics {
  attempt(result: AttemptResult, seconds: number): void;
  finished(state: Exclude<DeliveryState, 'pending'>): void;
}

export function webhookMetrics(
  registry: Registry,
  read: { counts: () => Promise<Record<DeliveryState, number>>; paused: () => number },
): WebhookMetrics {
  const attempts = new Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook delivery attempts, by result (success, http_error, no_response, refused).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'webhook_attempt_duration_seconds',
    help: 'Time from the start of an attempt to its status (or failure).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const finished = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook deliveries that ended, by state (delivered, or dead after the retry window).',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'webhook_deliveries',
    help: 'Webhook deliveries in the store, by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      for (const [state, count] of Object.entries(await read.counts())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'webhook_endpoints_paused',
    help: 'Endpoints the circuit breaker has paused after repeated failures.',
    registers: [registry],
    collect() {
      this.set(read.paused());
    },
  });
  return {
    attempt(result, seconds) {
      attempts.inc({ result });
      latency.observe(seconds);
    },
    finished(state) {
      finished.inc({ state });
    },
  };
}
