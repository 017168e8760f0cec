/**
 * No acknowledged job is lost: submit concurrently, SIGKILL the server mid-stream, restart it on
 * the same database, and every id that was answered with 202 must exist with a legal status —
 * and, under the default requeue policy, go on to finish rather than stay `running` forever.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES, type Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { spawnServer } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

describe('crash durability', () => {
  it('keeps every acknowledged job across kill -9 and finishes the interrupted ones', async () => {
    const dataDir = tempDir();
    const first = await spawnServer(['--data-dir', dataDir, '--concurrency', '4']);

    const acknowledged: string[] = [];
    let killed = false;
    const submitter = async () => {
      for (let i = 0; i < 100 && !killed; i++) {
        try {
          const response = await postJson(`${first.url}/jobs`, {
            type: 'demo',
            input: { stepMs: 20 },
          });
          if (response.status === 202) acknowledged.push((await json<Job>(response)).id);
        } catch {
          return; // the server is gone: this request was never acknowledged
        }
      }
    };
    const submitters = Array.from({ length: 8 }, submitter);
    // Kill mid-stream: once some jobs are acknowledged and some are running.
    await expect
      .poll(() => acknowledged.length, { timeout: 10_000, interval: 5 })
      .toBeGreaterThanOrEqual(60);
    process.kill(-first.pid, 'SIGKILL');
    killed = true;
    await first.exited;
    await Promise.all(submitters);
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    const db = new BetterSqlite3(join(dataDir, 'jobs.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const second = await spawnServer(['--data-dir', dataDir, '--concurrency', '16']);
    for (const id of acknowledged) {
      const response = await fetch(`${second.url}/jobs/${id}`);
      expect(response.status, `job ${id}`).toBe(200);
      expect(JOB_STATUSES).toContain((await json<Job>(response)).status);
    }
    const recovered = second.lines.filter((l) => l.includes('recovering interrupted job'));
    expect(recovered.length).toBeGreaterThan(0); // some jobs were running at the kill

    // Nothing stays running forever: every acknowledged job ends, successfully.
    await expect
      .poll(
        async () => (await allJobs(second.url)).filter((j) => j.status !== 'succeeded').length,
        {
          timeout: 30_000,
          interval: 200,
        },
      )
      .toBe(0);
    const finished = new Set((await allJobs(second.url)).map((j) => j.id));
    expect(acknowledged.filter((id) => !finished.has(id))).toEqual([]);
  }, 60_000);
});

async function allJobs(url: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor = '';
  do {
    const page = await json<{ jobs: Job[]; nextCursor: string | null }>(
      await fetch(`${url}/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
    );
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? '';
  } while (cursor);
  return jobs;
}
