/**
 * Case 1 — crash durability. Each trial storms the real server (`backend-patterns serve`) with
 * submits, kills it with SIGKILL at a random moment, checks the database file, and restarts it
 * on the same file. Trials alternate the recovery policy (requeue, fail).
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { submitStorm, waitUntilAllFinished } from './helpers/http-load.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const TRIALS = sized(20, 3);

interface TrialResult {
  acknowledged: number;
  lost: number;
  running: number;
  requeued: number;
  failed: number;
}

describe('torture 1: crash durability', () => {
  it(`${TRIALS} trials of submit storm + SIGKILL at a random moment + restart: every acknowledged job exists, the file passes integrity_check, interrupted jobs follow the recovery policy`, async () => {
    const random = seededRandom();
    const results: TrialResult[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const policy = trial % 2 === 0 ? 'requeue' : 'fail';
      results.push(await crashTrial(policy, random.int(20, 1500), random.next));
    }
    const sum = (key: keyof TrialResult) => results.reduce((n, r) => n + r[key], 0);
    figure(
      `crash durability: ${TRIALS} trials, ${count(sum('acknowledged'))} acknowledged jobs, ` +
        `${sum('lost')} lost, ${sum('running')} running at the kill ` +
        `(${sum('requeued')} requeued and finished, ${sum('failed')} failed as interrupted), ` +
        `integrity_check ok ${TRIALS}/${TRIALS} (seed ${random.seed})`,
    );
    expect(sum('lost')).toBe(0);
    expect(sum('running')).toBeGreaterThan(0);
  });
});

async function crashTrial(
  policy: 'requeue' | 'fail',
  killAfterMs: number,
  next: () => number,
): Promise<TrialResult> {
  const dataDir = tempDir();
  const dbPath = join(dataDir, 'jobs.db');
  const args = ['--data-dir', dataDir, '--recovery', policy];
  const first = await spawnServer([...args, '--concurrency', '4']);
  let n = 0;
  const storm = submitStorm({
    url: first.url,
    submitters: 8,
    maxEach: 2000,
    body: () => ({ type: 'demo', input: { stepMs: 10 + Math.floor(next() * 30) } }),
    // Every third submit carries a key, so keyed inserts are crashed in the middle too.
    headers: (): Record<string, string> =>
      ++n % 3 === 0 ? { 'idempotency-key': `crash-${n}-${next()}` } : {},
  });
  await expect.poll(() => storm.acknowledged.length, { interval: 2 }).toBeGreaterThan(0);
  await sleep(killAfterMs);
  process.kill(-first.pid, 'SIGKILL');
  await first.exited;
  await storm.stop();
  const acknowledged = [...storm.acknowledged];

  const db = new BetterSqlite3(dbPath);
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
  const before = await readJobs(dbPath);
  const lost = acknowledged.filter((id) => !before.has(id)).length;
  const running = [...before.values()].filter((job) => job.status === 'running');

  const second = await spawnServer([...args, '--concurrency', '16']);
  await waitUntilAllFinished(second.url, 120_000);
  process.kill(second.pid, 'SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });

  const after = await readJobs(dbPath);
  const store = new SqliteStore({ path: dbPath });
  let requeued = 0;
  let failed = 0;
  try {
    for (const job of running) {
      const page = await store.events(job.id, job.seq, 1);
      const recovery = page?.events[0];
      if (policy === 'requeue') {
        expect(recovery, job.id).toMatchObject({
          kind: 'requeued',
          data: { reason: 'interrupted' },
        });
        expect(after.get(job.id)?.status).toBe('succeeded');
        requeued++;
      } else {
        expect(recovery, job.id).toMatchObject({
          kind: 'failed',
          data: { error: { code: 'interrupted' } },
        });
        failed++;
      }
    }
  } finally {
    await store.close();
  }
  // Nothing else changed its fate: every other acknowledged job ran to success.
  const interrupted = new Set(running.map((job) => job.id));
  for (const id of acknowledged) {
    if (policy === 'fail' && interrupted.has(id)) continue;
    expect(after.get(id)?.status, id).toBe('succeeded');
  }
  return { acknowledged: acknowledged.length, lost, running: running.length, requeued, failed };
}

/** Every job in the file, by id (opened only while no server has it). */
async function readJobs(dbPath: string): Promise<Map<string, Job>> {
  const store = new SqliteStore({ path: dbPath });
  const jobs = new Map<string, Job>();
  try {
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 100, cursor });
      for (const job of page.jobs) jobs.set(job.id, job);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  } finally {
    await store.close();
  }
  return jobs;
}
