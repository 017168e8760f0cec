/**
 * The runners' claim in SQLite walks a short window of jobs_claim_order and, when the window
 * holds too few claimable jobs, merges the heads of each claimable type's range of
 * jobs_claim_by_type (src/store/sqlite/claim-window.ts), so a backlog of the external workers'
 * types is not read on every claim. The jobs it returns must be exactly those, in exactly the
 * order, of the one walk it replaced: due jobs only, of every type but the excepted ones,
 * higher priority first, then arrival. Checked here against that walk on files whose queues
 * reach every path (window, queue ended inside it, merged heads, too many types to merge),
 * and through claimNext on a store draining a mixed backlog.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaimWindow } from '../src/store/sqlite/claim-window.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

const NOW = 1_000_000;

/** The claim before the window (b407230's dueQueued): one walk of jobs_claim_order. */
const ONE_WALK = `
  SELECT id, type FROM jobs INDEXED BY jobs_claim_order
  WHERE status = 'queued' AND (run_at IS NULL OR run_at <= @now)
    AND type NOT IN (SELECT value FROM json_each(@except))
  ORDER BY priority DESC, n LIMIT @limit`;

/** A seeded generator, so a failing queue can be rebuilt. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Queue {
  /** Jobs of external types queued ahead of the rest (the workers' backlog). */
  aheadExternal: number;
  /** Jobs after them, of `types` runner types and the external ones mixed. */
  mixed: number;
  types: number;
  /** Of the mixed jobs, the share of external types. */
  externalShare: number;
  seed: number;
}

const EXTERNAL = ['ext-a', 'ext-b'];

async function queueFile(queue: Queue): Promise<BetterSqlite3.Database> {
  const path = join(tempDir(), 'jobs.db');
  await new SqliteStore({ path }).close();
  const db = new BetterSqlite3(path);
  const next = random(queue.seed);
  const insert = db.prepare(
    `INSERT INTO jobs (id, type, status, progress, seq, input, priority, run_at, created_at,
                       updated_at)
     VALUES (?, ?, ?, 0, 1, '{}', ?, ?, 0, 0)`,
  );
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  db.transaction(() => {
    let i = 0;
    // The backlog ahead: one priority above everything after it, some of it delayed.
    for (let k = 0; k < queue.aheadExternal; k++) {
      insert.run(`job-${i++}`, pick(EXTERNAL), 'queued', 9, next() < 0.1 ? NOW + 1 : null);
    }
    for (let k = 0; k < queue.mixed; k++) {
      const external = next() < queue.externalShare;
      const type = external ? pick(EXTERNAL) : `t${Math.floor(next() * queue.types)}`;
      const status = next() < 0.05 ? 'running' : 'queued';
      const runAt = pick([null, null, null, NOW - 5, NOW, NOW + 60_000]);
      insert.run(`job-${i++}`, type, status, pick([0, 0, 0, 1, 2, -1, 9]), runAt);
    }
  })();
  return db;
}

/** Both claims, drained `limit` at a time with each round's jobs left out of the next. */
function bothOrders(db: BetterSqlite3.Database, limit: number, except: readonly string[]) {
  const window = new ClaimWindow(db);
  const walk = db.prepare<[{ now: number; limit: number; except: string }], { id: string }>(
    ONE_WALK,
  );
  const start = db.prepare(`UPDATE jobs SET status = 'running' WHERE id = ?`);
  const claimed: string[][] = [];
  const walked: string[][] = [];
  for (;;) {
    const expected = walk.all({ now: NOW, limit, except: JSON.stringify(except) });
    const got = window.due(NOW, limit, new Set(except));
    walked.push(expected.map((job) => job.id));
    claimed.push(got.map((job) => job.id));
    // Start what the old walk would have, so both go on from the same queue.
    for (const job of expected) start.run(job.id);
    if (expected.length < limit) return { claimed, walked };
  }
}

describe("the SQLite runners' claim: window, then per-type heads", () => {
  const cases: [string, Queue, number][] = [
    [
      'a claimable head (the window)',
      { aheadExternal: 0, mixed: 400, types: 5, externalShare: 0.1, seed: 1 },
      8,
    ],
    [
      'a queue that ends inside the window',
      { aheadExternal: 3, mixed: 10, types: 3, externalShare: 0.3, seed: 2 },
      32,
    ],
    [
      'a backlog ahead, few types (merged heads)',
      { aheadExternal: 2_000, mixed: 600, types: 3, externalShare: 0.2, seed: 3 },
      4,
    ],
    [
      'a backlog ahead, twenty types (merged heads)',
      { aheadExternal: 1_000, mixed: 800, types: 20, externalShare: 0.5, seed: 4 },
      32,
    ],
    [
      'a backlog ahead, seventy types (one walk)',
      { aheadExternal: 500, mixed: 700, types: 70, externalShare: 0.3, seed: 5 },
      16,
    ],
    [
      'mostly external jobs, interleaved',
      { aheadExternal: 0, mixed: 3_000, types: 4, externalShare: 0.97, seed: 6 },
      1,
    ],
  ];

  it.each(cases)('%s: the same jobs in the same order as one walk', async (_name, queue, limit) => {
    const db = await queueFile(queue);
    const { claimed, walked } = bothOrders(db, limit, EXTERNAL);
    const none = new ClaimWindow(db).due(NOW, 0, new Set());
    db.close();
    expect(none).toEqual([]);
    expect(claimed).toEqual(walked);
    // Jobs were claimed, and more than one round's worth where the queue holds them.
    expect(walked.flat().length).toBeGreaterThan(queue.mixed > 100 ? limit : 0);
  });

  it('leaves out the types at their limit as well as the external ones', async () => {
    const db = await queueFile({
      aheadExternal: 300,
      mixed: 400,
      types: 4,
      externalShare: 0.2,
      seed: 7,
    });
    const { claimed, walked } = bothOrders(db, 5, [...EXTERNAL, 't0', 't2']);
    db.close();
    expect(claimed).toEqual(walked);
    expect(walked.flat().length).toBeGreaterThan(20);
  });

  it('claims a mixed backlog through claimNext in exactly the order it is queued in', async () => {
    let clock = NOW;
    const store = new SqliteStore({ path: join(tempDir(), 'jobs.db'), clock: () => clock });
    const next = random(8);
    const queued: { id: string; type: string; priority: number; runAt: number | undefined }[] = [];
    // Workers' jobs first and at the top priority, more than any window; the runner's after.
    for (let i = 0; i < 500; i++) {
      const job = await store.create({ type: 'ext-a', input: {}, priority: 5 });
      queued.push({ id: job.job.id, type: 'ext-a', priority: 5, runAt: undefined });
    }
    for (let i = 0; i < 300; i++) {
      const type = ['ext-b', 'r1', 'r2', 'r3'][Math.floor(next() * 4)] ?? 'r1';
      const priority = [0, 1, 5, -2][Math.floor(next() * 4)] ?? 0;
      const runAt = next() < 0.2 ? NOW + 10_000 : undefined;
      const { job } = await store.create({ type, input: {}, priority, runAt });
      queued.push({ id: job.id, type, priority, runAt });
    }
    // Due now, then the delayed ones once the clock passes them: each in claim order.
    const order = (due: (runAt: number | undefined) => boolean) =>
      queued
        .map((job, arrival) => ({ ...job, arrival }))
        .filter((job) => !EXTERNAL.includes(job.type) && due(job.runAt))
        .sort((x, y) => y.priority - x.priority || x.arrival - y.arrival)
        .map((job) => job.id);
    const claimAll = async () => {
      const ids: string[] = [];
      for (let limit = 1; ; limit = (limit % 7) + 1) {
        const { jobs } = await store.claimNext(limit, EXTERNAL);
        ids.push(...jobs.map((job) => job.id));
        if (jobs.length < limit) return ids;
      }
    };
    expect(await claimAll()).toEqual(order((runAt) => runAt === undefined));
    clock = NOW + 10_000;
    expect(await claimAll()).toEqual(order((runAt) => runAt !== undefined));
    // The workers' backlog is still there, untouched.
    expect((await store.countByStatus()).queued).toBe(
      queued.filter((job) => EXTERNAL.includes(job.type)).length,
    );
    await store.close();
  });
});
