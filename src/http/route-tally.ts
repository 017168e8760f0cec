/**
 * One route's answers counted outside prom-client, and added to its series when they are read.
 *
 * prom-client's labelled `inc` and `observe` validate the labels, rebuild their hash string and
 * look the series up by that fresh string on every call, and the histogram then converts the
 * bucket's bound to a property name: ~2 µs of a ~10 µs status answer, most of what the status
 * fast path cost over a bare node:http handler (docs/benchmarks.md, status reads). Here an answer
 * is two additions and a bucket's increment. prom-client runs a metric's `collect` before every
 * read of it (a scrape, /stats, a test's `get()`), and both metrics' `collect` fold the tally in
 * first, so whatever reads them sees what the per-answer calls would have left.
 *
 * A histogram's series has no public "add these counts": the fold writes prom-client 15's series
 * object (`hashMap` values `{ labels, bucketValues, sum, count }`, bounds in `upperBounds`). That
 * layout is checked when the tally is made, so a prom-client that keeps its series differently
 * fails at start-up, not by miscounting.
 */
import type { Counter, Histogram } from 'prom-client';

type Labels = Record<string, string>;

/** prom-client 15's histogram internals the fold relies on. */
interface HistogramInternals {
  upperBounds: number[];
  hashMap: Record<string, HistogramSeries | undefined>;
}

interface HistogramSeries {
  labels: Record<string, string | number | undefined>;
  bucketValues: Record<string, number | undefined>;
  sum: number;
  count: number;
}

type Collect = (this: unknown) => void | Promise<void>;

export class RouteTally {
  readonly #ok: Counter.Internal;
  readonly #notModified: Counter.Internal;
  readonly #histogram: HistogramInternals & Histogram;
  readonly #labels: Labels;
  readonly #bounds: readonly number[];
  #okCount = 0;
  #notModifiedCount = 0;
  #count = 0;
  #sum = 0;
  /** Observations per bound, not cumulative (as prom-client keeps them); none above the last. */
  readonly #buckets: number[];

  constructor(requests: Counter, duration: Histogram, method: string, route: string) {
    const internals = duration as unknown as Partial<HistogramInternals>;
    const bounds = internals.upperBounds;
    if (
      !Array.isArray(bounds) ||
      !bounds.every((bound) => typeof bound === 'number') ||
      typeof internals.hashMap !== 'object'
    ) {
      throw new Error('prom-client keeps histogram series in a layout this tally does not know');
    }
    this.#ok = requests.labels(method, route, '200');
    this.#notModified = requests.labels(method, route, '304');
    this.#histogram = duration as HistogramInternals & Histogram;
    this.#labels = { method, route };
    this.#bounds = bounds;
    this.#buckets = bounds.map(() => 0);
    const fold = () => {
      this.#fold();
    };
    foldBeforeCollect(requests, fold);
    foldBeforeCollect(duration, fold);
  }

  ok(seconds: number): void {
    this.#okCount++;
    this.#observe(seconds);
  }

  notModified(seconds: number): void {
    this.#notModifiedCount++;
    this.#observe(seconds);
  }

  #observe(seconds: number): void {
    this.#count++;
    this.#sum += seconds;
    const bounds = this.#bounds;
    for (let k = 0; k < bounds.length; k++) {
      if (seconds <= (bounds[k] ?? Infinity)) {
        this.#buckets[k] = (this.#buckets[k] ?? 0) + 1;
        return;
      }
    }
  }

  #fold(): void {
    if (this.#okCount > 0) this.#ok.inc(this.#okCount);
    if (this.#notModifiedCount > 0) this.#notModified.inc(this.#notModifiedCount);
    this.#okCount = 0;
    this.#notModifiedCount = 0;
    if (this.#count === 0) return;
    // The series exists once the route answered through Fastify; zero() makes it otherwise.
    const series = this.#series() ?? (this.#histogram.zero(this.#labels), this.#series());
    if (series === undefined) throw new Error('prom-client made no histogram series to add to');
    series.count += this.#count;
    series.sum += this.#sum;
    for (let k = 0; k < this.#bounds.length; k++) {
      const added = this.#buckets[k] ?? 0;
      if (added === 0) continue;
      const key = String(this.#bounds[k]);
      series.bucketValues[key] = (series.bucketValues[key] ?? 0) + added;
      this.#buckets[k] = 0;
    }
    this.#count = 0;
    this.#sum = 0;
  }

  #series(): HistogramSeries | undefined {
    const { method, route } = this.#labels;
    for (const series of Object.values(this.#histogram.hashMap)) {
      if (series && series.labels.method === method && series.labels.route === route) return series;
    }
    return undefined;
  }
}

/** Runs `fold` first whenever prom-client collects `metric`, then any collect it had. */
function foldBeforeCollect(metric: Counter | Histogram, fold: () => void): void {
  const target = metric as unknown as { collect?: Collect };
  const previous = target.collect;
  target.collect = function (this: unknown) {
    fold();
    return previous?.call(this);
  };
}
