import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

/** The value of one sample line of a Prometheus text exposition, e.g. `name{label="x"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

describe('/metrics for the execution layer', () => {
  it('exports event-loop delay without the sampling interval, and worker pool state and timings', async () => {
    const { url, server } = await startTestServer({ cpuWorkers: 1 });
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'primes', input: { n: 20_000_000 } }),
    );
    const done = await waitForJob(server.store, job.id, isFinished, 20_000);
    expect(done.status).toBe('succeeded');
    const text = await (await fetch(`${url}/metrics`)).text();

    // An almost idle loop: with the 10 ms interval subtracted the p50 is near 0, not near 0.01.
    expect(sample(text, 'eventloop_delay_p50_seconds')).toBeLessThan(0.005);
    expect(sample(text, 'eventloop_delay_max_seconds')).toBeGreaterThanOrEqual(
      sample(text, 'eventloop_delay_p99_seconds'),
    );
    expect(sample(text, 'worker_pool_max_threads')).toBe(1);
    expect(sample(text, 'worker_pool_queue_length')).toBe(0);
    expect(sample(text, 'worker_pool_tasks_completed_total')).toBe(1);
    // Seconds, and no longer than the job took from submit to finish.
    const jobSeconds = (Date.parse(done.updatedAt) - Date.parse(done.createdAt)) / 1000;
    const run = sample(text, 'worker_pool_task_run_seconds{quantile="1"}');
    expect(run).toBeGreaterThan(0);
    expect(run).toBeLessThanOrEqual(jobSeconds);
    expect(sample(text, 'worker_pool_task_wait_seconds{quantile="0.5"}')).toBeLessThan(run);
  });
});
