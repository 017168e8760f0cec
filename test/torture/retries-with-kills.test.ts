/**
 * Case 21 — retries interleaved with kills (issue 16). Jobs with several attempts fail on
 * purpose some of the time (the `flaky` type: its first `failRuns` runs fail, retryably) while
 * the server is killed with SIGKILL again and again and restarted on the same file. Each run
 * appends a line to a side file before anything else, so runs cut short by a kill are counted.
 * Must hold: no acknowledged job is lost (every one ends `succeeded` or `failed`), and none ran
 * more often than its `attempts` — a crash-interrupted run counts as an attempt (docs/queue.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { waitUntilAllFinished } from './helpers/http-load.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const JOBS = sized(300, 60);
const KILLS = sized(10, 3);
const ATTEMPTS = 3;
const MODULE = new URL('./helpers/flaky-job-type.ts', import.meta.url).pathname;

describe('torture 21: retries interleaved with kills', () => {
  it(`${JOBS} jobs with ${ATTEMPTS} attempts failing on purpose, server SIGKILLed ${KILLS} times: 0 lost, none run more often than its attempts`, async () => {
    const random = seededRandom();
    const dataDir = tempDir();
    const log = join(dataDir, 'runs.log');
    writeFileSync(log, '');
    const args = ['--data-dir', dataDir, '--job-types', MODULE, '--recovery', 'requeue'];
    const start = () => spawnServer([...args, '--concurrency', '8'], 30_000);

    let server = await start();
    const failRuns = new Map<string, number>();
    for (let i = 0; i < JOBS; i++) {
      // A third succeed at once, a third after one or two failures, a third never.
      const fails = random.pick([0, 0, 1, 2, ATTEMPTS, ATTEMPTS]);
      const response = await postJson(`${server.url}/jobs`, {
        type: 'flaky',
        input: { log, failRuns: fails, stepMs: random.int(20, 200) },
        attempts: ATTEMPTS,
        backoff: { type: 'fixed', delayMs: random.int(0, 100), jitter: 0 },
      });
      expect(response.status).toBe(202);
      failRuns.set((await json<Job>(response)).id, fails);
    }

    let interrupted = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill while runs are under way: wait (bounded) for one, then a random moment more.
      const url = server.url;
      await expect.poll(() => jobsIn(url, 'running'), { timeout: 30_000 }).not.toEqual([]);
      await sleep(random.int(0, 150));
      interrupted += (await jobsIn(url, 'running')).length;
      process.kill(-server.pid, 'SIGKILL');
      await server.exited;
      server = await start();
    }
    await waitUntilAllFinished(server.url, 120_000);

    const runs = new Map<string, number>();
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const id = line.split(' ')[0];
      if (id) runs.set(id, (runs.get(id) ?? 0) + 1);
    }
    const outcomes = { succeeded: 0, failed: 0, lost: 0, overRun: 0, retries: 0 };
    for (const [id, fails] of failRuns) {
      const response = await fetch(`${server.url}/jobs/${id}`);
      if (response.status !== 200) {
        outcomes.lost++;
        continue;
      }
      const job = await json<Job>(response);
      const ran = runs.get(id) ?? 0;
      // Every run started as an attempt; a kill between the claim and the handler leaves an
      // attempt with no line, never a line with no attempt.
      expect(ran, id).toBeLessThanOrEqual(job.attempt);
      expect(job.attempt, id).toBeLessThanOrEqual(ATTEMPTS);
      if (ran > ATTEMPTS) outcomes.overRun++;
      outcomes.retries += Math.max(0, ran - 1);
      if (job.status === 'succeeded') outcomes.succeeded++;
      else if (job.status === 'failed') outcomes.failed++;
      else outcomes.lost++;
      // A job that fails every run it gets can only end failed.
      if (fails >= ATTEMPTS) expect(job.status, id).toBe('failed');
    }
    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const totalRuns = [...runs.values()].reduce((n, r) => n + r, 0);
    figure(
      `retries with kills: ${count(JOBS)} jobs × ${ATTEMPTS} attempts, ${KILLS} SIGKILLs ` +
        `(${interrupted} runs interrupted), ${count(totalRuns)} runs (${count(outcomes.retries)} reruns), ` +
        `${outcomes.succeeded} succeeded, ${outcomes.failed} failed, ${outcomes.lost} lost, ` +
        `${outcomes.overRun} run more than ${ATTEMPTS} times (seed ${random.seed})`,
    );
    expect(outcomes.lost).toBe(0);
    expect(outcomes.overRun).toBe(0);
    expect(outcomes.succeeded + outcomes.failed).toBe(JOBS);
    expect(outcomes.retries).toBeGreaterThan(0);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});

async function jobsIn(url: string, status: string): Promise<Job[]> {
  const response = await fetch(`${url}/jobs?status=${status}&limit=100`);
  return (await json<{ jobs: Job[] }>(response)).jobs;
}
