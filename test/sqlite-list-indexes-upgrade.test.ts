/**
 * Migration 12 (issue 19) drops the indexes on (type), (owner) and (owner, type); lists by
 * those filters without a status then merge one `…_status` index range per status
 * (src/store/sqlite/list-sql.ts). A file written by schema version 11 upgrades with its data
 * intact, and every list pages through exactly the jobs, newest first, that the version-11
 * file's own indexes returned.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../src/model/job.js';
import type { ListQuery } from '../src/model/job-page.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

const DROPPED = ['jobs_by_type', 'jobs_by_owner', 'jobs_by_owner_type'];
const TYPES = ['a', 'b', 'c'];
const OWNERS = [null, 'alice', 'bob'];
const JOBS = 600;

/** Filters without a status (the merged lists), and one with, as read by the old schema. */
const FILTERS: { query: Omit<ListQuery, 'limit'>; where: string }[] = [
  { query: { type: 'a' }, where: `type = 'a'` },
  { query: { owner: 'alice' }, where: `owner = 'alice'` },
  { query: { owner: 'bob', type: 'c' }, where: `owner = 'bob' AND type = 'c'` },
  { query: { type: 'b', status: 'failed' }, where: `type = 'b' AND status = 'failed'` },
];

/**
 * A version-11 file: jobs of every type, owner and status, interleaved so that each list's
 * pages take rows from several statuses, with one to three events each.
 */
function version11File(path: string): void {
  const db = new BetterSqlite3(path);
  for (const step of MIGRATIONS.slice(0, 11)) db.exec(step);
  db.pragma('user_version = 11');
  const job = db.prepare(
    `INSERT INTO jobs (id, type, status, progress, seq, input, owner, created_at, updated_at)
     VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  );
  const event = db.prepare(
    `INSERT INTO job_events (job_n, seq, kind, status, progress, at) VALUES (?, ?, 'x', ?, 0, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      // Strides coprime with 3 and 5, so no filter sees one status in a long run.
      const status = JOB_STATUSES[(i * 7 + (i >> 3)) % JOB_STATUSES.length] ?? 'queued';
      const seq = 1 + (i % 3);
      const n = job.run(
        `job-${i}`,
        TYPES[i % TYPES.length],
        status,
        seq,
        JSON.stringify({ i }),
        OWNERS[(i >> 1) % OWNERS.length],
        i,
        i,
      ).lastInsertRowid;
      for (let s = 1; s <= seq; s++) event.run(n, s, status, i);
    }
  })();
  db.close();
}

function snapshot(path: string) {
  const db = new BetterSqlite3(path, { readonly: true });
  const all = <T>(sql: string) => db.prepare<[], T>(sql).all();
  const state = {
    version: db.pragma('user_version', { simple: true }) as number,
    indexes: all<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'`,
    ).map((row) => row.name),
    jobs: all<{ id: string; status: string }>('SELECT * FROM jobs ORDER BY n'),
    events: all<unknown>('SELECT * FROM job_events ORDER BY job_n, seq'),
    counts: all<unknown>('SELECT * FROM job_counts ORDER BY status'),
    lists: FILTERS.map(({ where }) =>
      all<{ id: string }>(`SELECT id FROM jobs WHERE ${where} ORDER BY n DESC`).map((r) => r.id),
    ),
    integrity: db.pragma('integrity_check', { simple: true }) as string,
  };
  db.close();
  return state;
}

/** Every id of a list, page by page through the store's cursor. */
async function walk(store: SqliteStore, query: Omit<ListQuery, 'limit'>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, limit: 7, cursor });
    ids.push(...page.jobs.map((job) => job.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

describe('SQLite schema version 12', () => {
  it('upgrades a version-11 file: data intact, three list indexes gone, the same lists', async () => {
    const path = join(tempDir(), 'jobs.db');
    version11File(path);
    const before = snapshot(path);
    expect(before.indexes).toEqual(expect.arrayContaining(DROPPED));
    // Each list runs over many pages, and a list without a status mixes them within a page.
    const statusOf = new Map(before.jobs.map((row) => [row.id, row.status]));
    for (const [i, ids] of before.lists.entries()) {
      expect(ids.length).toBeGreaterThan(30);
      const firstPage = new Set(ids.slice(0, 7).map((id) => statusOf.get(id)));
      if (FILTERS[i]?.query.status === undefined) expect(firstPage.size).toBeGreaterThan(2);
    }

    const store = new SqliteStore({ path });
    const listed = [];
    for (const { query } of FILTERS) listed.push(await walk(store, query));
    await store.close();

    expect(listed).toEqual(before.lists);
    const after = snapshot(path);
    expect(after.version).toBe(SCHEMA_VERSION);
    expect(after.indexes.filter((name) => DROPPED.includes(name))).toEqual([]);
    expect(after.indexes).toEqual(
      expect.arrayContaining(['jobs_by_type_status', 'jobs_by_owner_status', 'jobs_by_status']),
    );
    expect(after.jobs).toEqual(before.jobs);
    expect(after.events).toEqual(before.events);
    expect(after.counts).toEqual(before.counts);
    expect(after.integrity).toBe('ok');
  });
});
