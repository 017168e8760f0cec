/**
 * Migration 13 (issue 19) adds jobs_claim_by_type, from which an external worker's claim reads
 * the head of each requested type's queued jobs instead of sorting them all
 * (src/store/sqlite/claim-by-type.ts). A file written by schema version 12 upgrades with its
 * data intact, and workers then claim its jobs in exactly the order the version-12 query
 * defines: due jobs only, higher priority first, then arrival.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../src/model/job.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

const NOW = 1_000_000;
const TYPES = ['a', 'b', 'c'];
const PRIORITIES = [0, 5, -1, 0, 10];
const JOBS = 300;

/** What workers asking for these types claim, one after another. */
const CLAIMS = [['a', 'c'], ['b'], ['c', 'missing', 'a']];

/** The version-12 claim, repeated: every due queued job of `types` in claim order. */
const V12_ORDER = `
  SELECT id FROM jobs WHERE status = 'queued'
    AND type IN (SELECT value FROM json_each(?)) AND (run_at IS NULL OR run_at <= ?)
  ORDER BY priority DESC, n`;

/**
 * A version-12 file: jobs of every type, mostly queued, with interleaved priorities and due
 * times (none, past, ahead of NOW), so each type's claim order differs from arrival order and
 * the types' orders interleave.
 */
function version12File(path: string): void {
  const db = new BetterSqlite3(path);
  for (const step of MIGRATIONS.slice(0, 12)) db.exec(step);
  db.pragma('user_version = 12');
  const job = db.prepare(
    `INSERT INTO jobs (id, type, status, progress, seq, input, priority, run_at, created_at,
                       updated_at)
     VALUES (?, ?, ?, 0, 1, ?, ?, ?, ?, ?)`,
  );
  const event = db.prepare(
    `INSERT INTO job_events (job_n, seq, kind, status, progress, at) VALUES (?, 1, 'x', ?, 0, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const status = i % 4 === 3 ? (JOB_STATUSES[i % JOB_STATUSES.length] ?? 'queued') : 'queued';
      const runAt = [null, NOW - 10, NOW + 60_000][(i >> 2) % 3] ?? null;
      const n = job.run(
        `job-${i}`,
        TYPES[(i * 7) % TYPES.length],
        status,
        JSON.stringify({ i }),
        PRIORITIES[(i >> 1) % PRIORITIES.length],
        runAt,
        i,
        i,
      ).lastInsertRowid;
      event.run(n, status, i);
    }
  })();
  db.close();
}

function snapshot(path: string) {
  const db = new BetterSqlite3(path, { readonly: true });
  const all = <T>(sql: string, ...params: unknown[]) =>
    db.prepare<unknown[], T>(sql).all(...params);
  const state = {
    version: db.pragma('user_version', { simple: true }) as number,
    indexes: all<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'`,
    ).map((row) => row.name),
    jobs: all<unknown>('SELECT * FROM jobs ORDER BY n'),
    events: all<unknown>('SELECT * FROM job_events ORDER BY job_n, seq'),
    counts: all<unknown>('SELECT * FROM job_counts ORDER BY status'),
    /** Claim by claim, what each worker in CLAIMS takes, read with the version-12 query. */
    claims: claimSequence(db),
    firstTypeOrder: all<{ id: string }>(V12_ORDER, '["a"]', NOW).map((row) => row.id),
    queued:
      all<{ count: number }>(`SELECT COUNT(*) AS count FROM jobs WHERE status = 'queued'`)[0]
        ?.count ?? 0,
    integrity: db.pragma('integrity_check', { simple: true }) as string,
  };
  db.close();
  return state;
}

/** The ids CLAIMS take in turn, each claim taking the first of its types not yet taken. */
function claimSequence(db: BetterSqlite3.Database): string[] {
  const taken = new Set<string>();
  const orders = CLAIMS.map((types) =>
    db
      .prepare<[string, number], { id: string }>(V12_ORDER)
      .all(JSON.stringify(types), NOW)
      .map((row) => row.id),
  );
  const sequence: string[] = [];
  for (;;) {
    let progressed = false;
    for (const order of orders) {
      const next = order.find((id) => !taken.has(id));
      if (next === undefined) continue;
      taken.add(next);
      sequence.push(next);
      progressed = true;
    }
    if (!progressed) return sequence;
  }
}

describe('SQLite schema version 13', () => {
  it('upgrades a version-12 file: data intact, the claim index added, the same claims', async () => {
    const path = join(tempDir(), 'jobs.db');
    version12File(path);
    const before = snapshot(path);
    expect(before.indexes).not.toContain('jobs_claim_by_type');
    // The claims take many jobs, one type's not in arrival order, and leave delayed ones behind.
    expect(before.claims.length).toBeGreaterThan(100);
    expect(before.claims.length).toBeLessThan(before.queued);
    const arrival = before.firstTypeOrder.map((id) => Number(id.slice('job-'.length)));
    expect([...arrival].sort((x, y) => x - y)).not.toEqual(arrival);

    await new SqliteStore({ path, clock: () => NOW }).close();
    const after = snapshot(path);
    expect(after.version).toBe(SCHEMA_VERSION);
    expect(after.indexes).toEqual(
      expect.arrayContaining(['jobs_claim_by_type', 'jobs_claim_order', 'jobs_due']),
    );
    expect(after.jobs).toEqual(before.jobs);
    expect(after.events).toEqual(before.events);
    expect(after.counts).toEqual(before.counts);
    expect(after.integrity).toBe('ok');

    // The workers take turns, as claimSequence does, until none of them gets a job.
    const store = new SqliteStore({ path, clock: () => NOW });
    const claimed: string[] = [];
    for (;;) {
      let progressed = false;
      for (const types of CLAIMS) {
        const held = await store.claimLeased(types, 'w', 60_000);
        if (held === undefined) continue;
        claimed.push(held.job.id);
        progressed = true;
      }
      if (!progressed) break;
    }
    await store.close();
    expect(claimed).toEqual(before.claims);
  });
});
