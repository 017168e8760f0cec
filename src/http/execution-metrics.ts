/**
 * Metrics of the execution layer, added to the app's registry: the event-loop delay as the
 * server's LoopDelayMonitor sees it, and the worker pool's threads, queue and task timings.
 *
 * `eventloop_delay_*_seconds` cover the monitor's last complete 10 s window with the 10 ms
 * sampling interval subtracted, so an idle loop reads about 0. prom-client's
 * `nodejs_eventloop_lag_*` (also exported) include the interval and cover the process lifetime.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoopDelayMonitor } from '../execution/loop-delay-monitor.js';
import type { TaskTiming, WorkerPool } from '../execution/worker-pool.js';

export interface ExecutionMetricsSources {
  loopDelay: LoopDelayMonitor;
  pool: WorkerPool;
}

const QUANTILES: [label: string, pick: (t: TaskTiming) => number][] = [
  ['0.5', (t) => t.p50],
  ['0.9', (t) => t.p90],
  ['0.99', (t) => t.p99],
  ['1', (t) => t.max],
];

export function registerExecutionMetrics(
  registry: Registry,
  sources: ExecutionMetricsSources,
): void {
  const { loopDelay, pool } = sources;
  const registers = [registry];
  for (const key of ['p50', 'p99', 'max'] as const) {
    new Gauge({
      name: `eventloop_delay_${key}_seconds`,
      help: `Event-loop delay ${key} over the last 10 s window, sampling interval subtracted.`,
      registers,
      collect() {
        this.set(loopDelay.snapshot()[key] / 1000);
      },
    });
  }

  new Gauge({
    name: 'worker_pool_threads',
    help: 'Worker threads alive for CPU-bound jobs (idle ones exit).',
    registers,
    collect() {
      this.set(pool.stats.threads);
    },
  });
  new Gauge({
    name: 'worker_pool_max_threads',
    help: 'Most worker threads the pool starts (--cpu-workers).',
    registers,
    collect() {
      this.set(pool.stats.maxThreads);
    },
  });
  new Gauge({
    name: 'worker_pool_queue_length',
    help: 'CPU-bound tasks waiting for a free worker thread.',
    registers,
    collect() {
      this.set(pool.stats.queued);
    },
  });
  new Counter({
    name: 'worker_pool_tasks_completed_total',
    help: 'CPU-bound tasks the pool finished (successfully or not).',
    registers,
    collect() {
      this.reset();
      this.inc(pool.stats.completed);
    },
  });
  for (const [kind, help] of [
    ['run', 'running in a worker thread'],
    ['wait', 'queued before a worker thread took them'],
  ] as const) {
    new Gauge({
      name: `worker_pool_task_${kind}_seconds`,
      help: `Time CPU-bound tasks spent ${help}, by quantile (1 = max), since the pool started.`,
      labelNames: ['quantile'] as const,
      registers,
      collect() {
        const timing = kind === 'run' ? pool.stats.runMs : pool.stats.waitMs;
        for (const [quantile, pick] of QUANTILES) this.set({ quantile }, pick(timing) / 1000);
      },
    });
  }
}
