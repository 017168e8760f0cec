/**
 * Records what the event loop went through while one read ran: the delay histogram
 * (perf_hooks.monitorEventLoopDelay at 1 ms resolution), a timeline of stalls from a 1 ms timer,
 * and the peak resident set size.
 *
 * Both timers measure how late they fire. The histogram's samples include its own 1 ms interval,
 * so an idle loop reads about 1 ms: that interval is subtracted, and an idle loop reads about 0.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 1;
/** Stalls shorter than this are scheduling noise and stay out of the timeline. */
const STALL_FLOOR_MS = 1;
const RSS_EVERY_TICKS = 4;

export interface Stall {
  /** When the stall ended, in ms since the recording started. */
  at: number;
  /** How long the loop could not run a timer, in ms. */
  ms: number;
}

export interface LoopRecording {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  stalls: Stall[];
  peakRss: number;
}

export class LoopRecorder {
  readonly #histogram: IntervalHistogram;
  #started = performance.now();
  #stalls: Stall[] = [];
  #last = this.#started;
  #ticks = 0;
  #peakRss = process.memoryUsage.rss();
  #timer: NodeJS.Timeout;

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
    this.#timer = setTimeout(() => {
      this.#tick();
    }, RESOLUTION_MS);
  }

  /**
   * Starts the timeline proper. The histogram is not reset: it measures from one sample to the
   * next and drops the first interval after a reset, which would hide a stall starting now.
   */
  begin(): void {
    this.#stalls = [];
    this.#started = performance.now();
    this.#peakRss = process.memoryUsage.rss();
  }

  /** Counts memory now too: a read's buffer may be gone by the next timer tick. */
  sampleRss(): void {
    this.#peakRss = Math.max(this.#peakRss, process.memoryUsage.rss());
  }

  stop(): LoopRecording {
    clearTimeout(this.#timer);
    this.#tick(false);
    this.#histogram.disable();
    const h = this.#histogram;
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const has = h.count > 0;
    return {
      p50Ms: has ? ms(h.percentile(50)) : 0,
      p99Ms: has ? ms(h.percentile(99)) : 0,
      // The timer also sees a stall the histogram has not sampled yet (the last one).
      maxMs: Math.max(has ? ms(h.max) : 0, ...this.#stalls.map((s) => s.ms)),
      stalls: this.#stalls,
      peakRss: this.#peakRss,
    };
  }

  #tick(again = true): void {
    const now = performance.now();
    const late = now - this.#last - RESOLUTION_MS;
    if (late >= STALL_FLOOR_MS) this.#stalls.push({ at: now - this.#started, ms: late });
    this.#last = now;
    if (++this.#ticks % RSS_EVERY_TICKS === 0) this.sampleRss();
    if (again) {
      this.#timer = setTimeout(() => {
        this.#tick();
      }, RESOLUTION_MS);
    }
  }
}
