/**
 * Measures how late the event loop runs timers (perf_hooks.monitorEventLoopDelay) in fixed
 * windows, so /healthz reports recent delay rather than an all-time maximum.
 *
 * The histogram records the time between samples, which includes the sampling interval
 * itself: an idle loop sampled every 10 ms reads about 10 ms. The interval is subtracted here
 * so an idle loop reads about 0. (prom-client's `nodejs_eventloop_lag_*` metrics do not
 * subtract it.)
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import {
  Lifecycle,
  warnOnStageError,
  type Closeable,
  type LifecycleState,
} from '../lifecycle/lifecycle.js';

export interface LoopDelaySnapshot {
  /** Milliseconds, over the last complete window (or the current one before the first ends). */
  p50: number;
  p99: number;
  max: number;
  windowMs: number;
}

export class LoopDelayMonitor implements Closeable {
  readonly #lifecycle = new Lifecycle(warnOnStageError('the loop-delay monitor'));
  readonly #histogram: IntervalHistogram;
  readonly #windowMs: number;
  readonly #resolutionMs: number;
  readonly #timer: NodeJS.Timeout;
  #last: LoopDelaySnapshot | undefined;

  constructor(windowMs = 10_000, resolutionMs = 10) {
    this.#windowMs = windowMs;
    this.#resolutionMs = resolutionMs;
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#last = this.#read();
      this.#histogram.reset();
    }, windowMs).unref();
  }

  snapshot(): LoopDelaySnapshot {
    return this.#last ?? this.#read();
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Stops sampling; snapshot() then keeps answering with the last window. Memoised. */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'window timer',
        run: () => {
          clearInterval(this.#timer);
        },
      },
      { name: 'histogram', run: () => this.#histogram.disable() },
    ]);
  }

  #read(): LoopDelaySnapshot {
    const h = this.#histogram;
    const ms = (ns: number) =>
      Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - this.#resolutionMs) : 0;
    return {
      p50: h.count > 0 ? ms(h.percentile(50)) : 0,
      p99: h.count > 0 ? ms(h.percentile(99)) : 0,
      max: h.count > 0 ? ms(h.max) : 0,
      windowMs: this.#windowMs,
    };
  }
}
