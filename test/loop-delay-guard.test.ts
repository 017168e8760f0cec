/**
 * The guard for the rule "nothing long runs on the event loop": while the server runs a heavy
 * mix (CPU jobs, hash-file jobs on a large file, many status polls), the loop's delay stays
 * small and /healthz answers about as fast as when idle.
 *
 * The server runs in this process, so the histogram here sees the server's own loop; the HTTP
 * clients run in a worker thread, so their work does not land on that loop. Bounds leave room
 * for a shared 2-core machine, where the CPU jobs' thread, the clients and the loop compete.
 */
import { randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../src/execution/start-worker.js';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import type { LoadPlan, LoadResult } from './helpers/load-worker.js';
import { startTestServer } from './helpers/test-server.js';

const FILE_MIB = 128;
const HASH_JOBS = 4;
const PRIMES_JOBS = 3;
const PRIMES_N = 60_000_000;
const RESOLUTION_MS = 5;
/** Loop delay p99 allowed above the idle baseline (see violations()). */
const P99_MARGIN_MS = 40;

async function writeLargeFile(path: string): Promise<void> {
  const block = randomFillSync(Buffer.alloc(1024 * 1024));
  const handle = await open(path, 'w');
  for (let i = 0; i < FILE_MIB; i++) await handle.write(block);
  await handle.close();
}

/** Runs the load plan in a worker thread while recording this thread's event-loop delay. */
async function underLoad(
  plan: Omit<LoadPlan, 'pollers' | 'pollGapMs' | 'healthEveryMs' | 'timeoutMs'>,
) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const elu = performance.eventLoopUtilization();
  const full: LoadPlan = {
    pollers: 4,
    pollGapMs: 10,
    healthEveryMs: 20,
    timeoutMs: 15_000,
    ...plan,
  };
  const worker = startWorker(new URL('./helpers/load-worker.ts', import.meta.url).href, {
    workerData: full,
  });
  const [result] = (await once(worker, 'message')) as [LoadResult];
  await worker.terminate();
  histogram.disable();
  gc.disconnect();
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const loop = {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    utilization: performance.eventLoopUtilization(elu).utilization,
    gcMaxMs: Math.max(0, ...gcPauses),
  };
  return { loop, ...result };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

type Measured = Awaited<ReturnType<typeof underLoad>>;

/**
 * What a blocking loop breaks, each bound checked against the idle baseline of the same
 * attempt. Measured with 4 hash-file jobs hashing on the loop (the design before this guard):
 * utilization 0.99, loop p50 5–18 ms, /healthz p50 26–43 ms; with hashing in the pool, under the
 * same heavy neighbour load: 0.29–0.36, 1.3–1.7 ms and 9–13 ms (docs/architecture.md).
 */
function violations(idle: Measured, busy: Measured): string[] {
  const found: string[] = [];
  if (busy.loop.utilization > 0.7)
    found.push(`loop utilization ${busy.loop.utilization.toFixed(2)} > 0.7`);
  if (busy.loop.p50 > idle.loop.p50 + 5) found.push(`loop p50 ${busy.loop.p50.toFixed(1)} ms`);
  if (busy.loop.p99 > idle.loop.p99 + P99_MARGIN_MS)
    found.push(`loop p99 ${busy.loop.p99.toFixed(1)} ms`);
  const health = quantile(busy.health, 0.5);
  if (health > quantile(idle.health, 0.5) * 5 + 15)
    found.push(`/healthz p50 ${health.toFixed(1)} ms`);
  return found;
}

describe('event-loop guard', () => {
  it('keeps the loop free and /healthz fast under a heavy mix of jobs and polls', async () => {
    const { url, dataDir } = await startTestServer({ cpuWorkers: 1, concurrency: 16 });
    await writeLargeFile(join(dataDir, 'large.bin'));
    const bodies = [
      ...Array.from({ length: PRIMES_JOBS }, () => ({ type: 'primes', input: { n: PRIMES_N } })),
      ...Array.from({ length: HASH_JOBS }, () => ({
        type: 'hash-file',
        input: { path: 'large.bin' },
      })),
    ];
    const report: string[] = [];
    // A second attempt only when the first one broke a timing bound: on a shared machine a
    // neighbour can stall this process for 100+ ms; a real blocking call fails both attempts.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const idle = await underLoad({ url, ids: [], idleMs: 1500 });
      const jobs = await Promise.all(
        bodies.map(async (body) => json<Job>(await postJson(`${url}/jobs`, body))),
      );
      const busy = await underLoad({ url, ids: jobs.map((j) => j.id), idleMs: 0 });

      expect(busy.unfinished).toEqual([]); // the whole mix ran while we measured
      expect(busy.polls).toBeGreaterThan(200);
      const finished = await Promise.all(
        jobs.map(async (j) => json<Job>(await fetch(`${url}/jobs/${j.id}`))),
      );
      expect(finished.map((j) => j.status)).toEqual(jobs.map(() => 'succeeded'));

      const found = violations(idle, busy);
      report.push(
        `attempt ${attempt}: ${JSON.stringify({ idle: summary(idle), busy: summary(busy) })}`,
      );
      if (process.env.GUARD_VERBOSE !== undefined) console.log(report.at(-1));
      if (found.length === 0) return;
      report.push(`  broke: ${found.join(', ')}`);
    }
    expect.fail(`the event loop was not free under load:\n${report.join('\n')}`);
  }, 60_000);
});

function summary(r: Measured) {
  const round = (n: number | undefined) => Math.round((n ?? 0) * 10) / 10;
  return {
    loopMs: { p50: round(r.loop.p50), p99: round(r.loop.p99), max: round(r.loop.max) },
    utilization: Math.round(r.loop.utilization * 100) / 100,
    gcMaxMs: round(r.loop.gcMaxMs),
    polls: r.polls,
    healthMs: {
      n: r.health.length,
      p50: round(quantile(r.health, 0.5)),
      max: round(r.health.at(-1)),
    },
  };
}
