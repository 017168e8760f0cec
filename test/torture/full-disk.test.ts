/**
 * Case 19 — a full disk (SQLite). The real server runs on a data directory that is a small
 * tmpfs; during a submit storm a ballast file fills it, for a while, then is deleted. What must
 * hold: every submit is answered 202 or `503 storage_full`/`store_unavailable` (never a 500),
 * `/healthz` says `degraded` while the disk is full, no acknowledged job is lost, and once
 * space returns every job — those whose progress or end could not be recorded, and those left
 * queued because their claim failed — runs to its end within seconds, with no restart and no
 * further submit (the storm stops before the space returns).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { fullDisk, fullDiskAvailable, fullDiskSkipReason } from '../helpers/full-disk.js';
import { json } from '../helpers/http.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { count, figure } from './helpers/figures.js';
import { submitStorm } from './helpers/http-load.js';
import { sized } from './helpers/size.js';

const TRIALS = sized(3, 1);
const FULL_MS = sized(3000, 1500);
const RECOVERY_BOUND_MS = 10_000;

interface Trial {
  acknowledged: number;
  refused: Map<string, number>;
  unfinishedAtFree: number;
  degradedSeen: boolean;
  lost: number;
  stuck: number;
  recoveryMs: number;
  healthyMs: number;
}

describe.skipIf(!fullDiskAvailable)('torture 19: a full disk', () => {
  it(`${TRIALS} trials of a submit storm on a data directory that fills for ${FULL_MS} ms: 503 storage_full, degraded, nothing lost, nothing stuck`, async () => {
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) trials.push(await fullDiskTrial());
    const sum = (pick: (t: Trial) => number) => trials.reduce((n, t) => n + pick(t), 0);
    const refused = new Map<string, number>();
    for (const t of trials)
      for (const [k, v] of t.refused) refused.set(k, (refused.get(k) ?? 0) + v);
    const answers = [...refused].map(([k, v]) => `${count(v)} × ${k}`).join(', ');
    figure(
      `full disk: ${TRIALS} trials, disk full ${FULL_MS} ms each during a 4-client submit storm; ` +
        `${count(sum((t) => t.acknowledged))} acknowledged, refused: ${answers || 'none'}; ` +
        `/healthz degraded in ${trials.filter((t) => t.degradedSeen).length}/${TRIALS}; ` +
        `${sum((t) => t.unfinishedAtFree)} jobs queued or running when space returned, ` +
        `${sum((t) => t.lost)} acknowledged lost, ${sum((t) => t.stuck)} stuck; ` +
        `healthy again after ${Math.round(Math.max(...trials.map((t) => t.healthyMs)))} ms, ` +
        `every job finished ${Math.round(Math.max(...trials.map((t) => t.recoveryMs)))} ms ` +
        `after space returned at most (bound ${RECOVERY_BOUND_MS} ms), no restart`,
    );
    expect(sum((t) => t.lost)).toBe(0);
    expect(sum((t) => t.stuck)).toBe(0);
    for (const key of refused.keys()) expect(key).toMatch(/^503 (storage_full|store_unavailable)$/);
    expect(refused.get('503 storage_full') ?? 0).toBeGreaterThan(0);
    expect(trials.every((t) => t.degradedSeen)).toBe(true);
    expect(sum((t) => t.unfinishedAtFree)).toBeGreaterThan(0);
  });
});

if (!fullDiskAvailable)
  it.skip(`torture 16: a full disk (skipped): ${fullDiskSkipReason}`, () => undefined);

async function fullDiskTrial(): Promise<Trial> {
  const disk = fullDisk(8);
  const server = await spawnServer(['--data-dir', disk.dir, '--concurrency', '16']);
  try {
    const storm = submitStorm({
      url: server.url,
      submitters: 4,
      maxEach: 20_000,
      body: () => ({ type: 'demo', input: { stepMs: 10 } }),
    });
    await sleep(500);
    disk.fill(0);
    let degradedSeen = false;
    const fullUntil = performance.now() + FULL_MS;
    while (performance.now() < fullUntil) {
      const health = await json<{ status: string }>(await fetch(`${server.url}/healthz`));
      if (health.status === 'degraded') degradedSeen = true;
      await sleep(100);
    }
    await storm.stop(); // no submit from here on: queued work must be claimed by itself
    const unfinishedAtFree = storm.acknowledged.length; // narrowed below
    disk.free();
    const freed = performance.now();
    let healthyMs = Number.NaN;
    let recoveryMs = Number.NaN;
    let unfinished = unfinishedAtFree;
    let firstUnfinished: number | undefined;
    for (;;) {
      const elapsed = performance.now() - freed;
      const health = await json<{ status: string }>(await fetch(`${server.url}/healthz`));
      if (health.status === 'ok' && Number.isNaN(healthyMs)) healthyMs = elapsed;
      unfinished = await countUnfinished(server.url);
      firstUnfinished ??= unfinished;
      if (unfinished === 0 && !Number.isNaN(healthyMs)) {
        recoveryMs = elapsed;
        break;
      }
      if (elapsed > RECOVERY_BOUND_MS) break;
      await sleep(50);
    }
    const { lost, stuck } = await checkAcknowledged(server.url, storm.acknowledged);
    return {
      acknowledged: storm.acknowledged.length,
      refused: storm.refused,
      unfinishedAtFree: firstUnfinished,
      degradedSeen,
      lost,
      stuck: Math.max(stuck, unfinished),
      recoveryMs,
      healthyMs,
    };
  } finally {
    process.kill(-server.pid, 'SIGKILL');
    await server.exited;
  }
}

async function countUnfinished(url: string): Promise<number> {
  let total = 0;
  for (const status of ['queued', 'running']) {
    const page = await json<{ jobs: Job[] }>(await fetch(`${url}/jobs?status=${status}&limit=100`));
    total += page.jobs.length;
  }
  return total;
}

/** Every acknowledged id must exist and be finished. */
async function checkAcknowledged(url: string, ids: readonly string[]) {
  let lost = 0;
  let stuck = 0;
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(
      ids.slice(i, i + 25).map(async (id) => {
        const response = await fetch(`${url}/jobs/${id}`);
        if (response.status === 404) lost++;
        else if (!['succeeded', 'failed', 'canceled'].includes((await json<Job>(response)).status))
          stuck++;
      }),
    );
  }
  return { lost, stuck };
}
