/**
 * The route tally (src/http/route-tally.ts) counts the status fast path's answers outside
 * prom-client and folds them in when the metrics are read: what a scrape shows must be what
 * per-answer `inc` and `observe` calls would have left, whether or not the series existed yet.
 */
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS } from '../src/http/metrics.js';
import { RouteTally } from '../src/http/route-tally.js';

function metrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'requests',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'durations',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return { registry, requests, duration };
}

// Values exactly representable in binary, so the sums agree whatever the order of additions.
const ANSWERS: ['ok' | 'notModified', number][] = [
  ['ok', 0.0001220703125],
  ['ok', 0.001953125],
  ['notModified', 0.25],
  ['ok', 100],
  ['notModified', 0.0001220703125],
];

describe('route tally', () => {
  it('shows, when read, what per-answer inc and observe calls would have shown', async () => {
    for (const throughFastifyFirst of [false, true]) {
      const direct = metrics();
      const tallied = metrics();
      const tally = new RouteTally(tallied.requests, tallied.duration, 'GET', '/jobs/:id');
      if (throughFastifyFirst) {
        // The route answered by Fastify first: the series exist before the tally folds in.
        for (const m of [direct, tallied]) {
          m.requests.inc({ method: 'GET', route: '/jobs/:id', status: 200 });
          m.duration.observe({ method: 'GET', route: '/jobs/:id' }, 0.003);
        }
      }
      for (const [kind, seconds] of ANSWERS) {
        tally[kind](seconds);
        direct.requests.inc({
          method: 'GET',
          route: '/jobs/:id',
          status: kind === 'ok' ? '200' : '304',
        });
        direct.duration.observe({ method: 'GET', route: '/jobs/:id' }, seconds);
      }
      const expected = await direct.registry.metrics();
      expect(expected).toContain(
        'http_request_duration_seconds_count{method="GET",route="/jobs/:id"}',
      );
      expect(await tallied.registry.metrics()).toBe(expected);
      // Folded once: a second read adds nothing.
      expect(await tallied.registry.metrics()).toBe(expected);
      // Reading one metric folds both.
      tally.ok(0.002);
      direct.requests.inc({ method: 'GET', route: '/jobs/:id', status: '200' });
      direct.duration.observe({ method: 'GET', route: '/jobs/:id' }, 0.002);
      expect(await tallied.duration.get()).toEqual(await direct.duration.get());
      expect(await tallied.requests.get()).toEqual(await direct.requests.get());
    }
  });

  it('keeps a collect the metric already had', async () => {
    const { registry, requests, duration } = metrics();
    let collected = 0;
    (requests as unknown as { collect: () => void }).collect = () => {
      collected++;
    };
    const tally = new RouteTally(requests, duration, 'GET', '/jobs/:id');
    tally.ok(0.001);
    await registry.metrics();
    expect(collected).toBe(1);
    expect((await requests.get()).values).toEqual([
      { value: 1, labels: { method: 'GET', route: '/jobs/:id', status: '200' } },
    ]);
  });
});
