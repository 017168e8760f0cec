/**
 * CPU-bound jobs run in worker threads, so the event loop keeps serving while they compute.
 * Compared with a baseline measured in the same test, not with an absolute time alone.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';

async function healthLatencies(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)] ?? 0;

describe('event loop while a CPU-bound job runs', () => {
  it('/healthz answers as fast as when idle while primes computes', async () => {
    const { url } = await startTestServer({ cpuWorkers: 1 });
    const idle = await healthLatencies(url, 30);

    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'primes', input: { n: 1_000_000_000 } }),
    );
    await expect
      .poll(async () => (await json<Job>(await fetch(`${url}/jobs/${job.id}`))).progress, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    const busy = await healthLatencies(url, 30);
    const still = await json<Job>(await fetch(`${url}/jobs/${job.id}`));
    expect(still.status).toBe('running'); // we measured while it computed
    await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE' });

    // Generous margins for a shared 2-core machine; a blocked loop would take seconds.
    expect(median(busy)).toBeLessThan(median(idle) * 5 + 10);
    expect(busy.at(-1)).toBeLessThan(250);
  }, 30_000);
});
