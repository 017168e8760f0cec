/**
 * Every filter `GET /jobs` offers runs on an index (issue 14, item 2): on 200,000 jobs a
 * filter that scans rows on the event loop takes 100 ms and more, and stalls every other
 * request meanwhile. SQLite's plan, not a timing, is the assertion: for each combination of
 * status, type, owner (API keys on) and cursor, no table scan and no sort. Since migration 12
 * (issue 19) type and owner without a status are a merge of one index range per status. The
 * claims' lookups are held to their indexes the same way: the next due time on jobs_due, a
 * worker's claim on jobs_claim_by_type (migration 13), and the runners' claim on a bounded
 * window of jobs_claim_order, then the heads of each type's range (claim-window.ts), so an
 * external backlog is not read on every claim.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../src/model/job.js';
import { allListShapes, listSql, type ListShape } from '../src/store/sqlite/list-sql.js';
import { ClaimWindow, mergedHeadsSql } from '../src/store/sqlite/claim-window.js';
import { prepareStatements } from '../src/store/sqlite/statements.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

function migratedDatabase(): BetterSqlite3.Database {
  const path = join(tempDir(), 'jobs.db');
  void new SqliteStore({ path }).close();
  return new BetterSqlite3(path);
}

function plan(db: BetterSqlite3.Database, sql: string, params: Record<string, unknown>): string[] {
  return db
    .prepare<[Record<string, unknown>], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(params)
    .map((row) => row.detail);
}

/**
 * The index that serves these filters: made for exactly them (schema.ts, migrations 1 and 5),
 * or, for type and owner without a status, the one with `status` added (list-sql.ts).
 */
function expectedIndex(shape: ListShape): string | undefined {
  if (!shape.owner && !shape.type && !shape.status) return undefined;
  const columns = [shape.owner && 'owner', shape.type && 'type', 'status'];
  return `jobs_by_${columns.filter(Boolean).join('_')}`;
}

const name = (shape: ListShape) =>
  Object.entries(shape)
    .filter(([, on]) => on)
    .map(([key]) => key)
    .join(' + ') || 'no filter';

describe('GET /jobs on SQLite', () => {
  const params = { status: 'failed', type: 'demo', owner: 'alice', before: 1000, limit: 51 };

  it.each(allListShapes().map((shape) => [name(shape), shape] as const))(
    '%s: walks an index newest first, without scanning or sorting',
    (_name, shape) => {
      const db = migratedDatabase();
      const details = plan(db, listSql(shape), params);
      db.close();
      expect(details.join('\n')).not.toMatch(/TEMP B-TREE/);
      const index = expectedIndex(shape);
      const search = new RegExp(`^SEARCH jobs USING INDEX ${index} \\(`);
      if (index !== undefined && !shape.status) {
        // One range per status (five), each in n order, merged until the page is full: no
        // side reads more than the page, and nothing is sorted.
        const searches = details.filter((detail) => detail.startsWith('SEARCH'));
        expect(searches, details.join('\n')).toHaveLength(JOB_STATUSES.length);
        for (const detail of searches) expect(detail).toMatch(search);
        for (const detail of searches) expect(detail).toMatch(/status=\?/);
        const rest = details.filter((detail) => !detail.startsWith('SEARCH'));
        expect(new Set(rest), details.join('\n')).toEqual(
          new Set(['MERGE (UNION ALL)', 'LEFT', 'RIGHT']),
        );
      } else if (index !== undefined) {
        expect(details, details.join('\n')).toEqual([expect.stringMatching(search)]);
      } else if (shape.cursor) {
        expect(details).toEqual([expect.stringMatching(/^SEARCH jobs USING INTEGER PRIMARY KEY/)]);
      } else {
        // No filter, no cursor: the table in rowid order, backwards, stopped by LIMIT — the
        // only `SCAN jobs` allowed, because it reads no more rows than the page.
        expect(details).toEqual(['SCAN jobs']);
      }
    },
  );

  it('counts jobs by status and prunes without scanning the jobs table', () => {
    const db = migratedDatabase();
    const stmt = prepareStatements(db);
    expect(plan(db, stmt.countByStatus.source, {})).toEqual(['SCAN job_counts']);
    const prune = db
      .prepare<[number, number], { detail: string }>(`EXPLAIN QUERY PLAN ${stmt.pruneBatch.source}`)
      .all(1, 100)
      .map((row) => row.detail);
    expect(prune).toContain('SEARCH jobs USING INDEX jobs_finished_by_age (updated_at<?)');
    expect(prune.join('\n')).not.toMatch(/SCAN|jobs_by_status/);
    db.close();
  });

  it('finds the next due time of a delayed job on jobs_due, not among every queued job', () => {
    const db = migratedDatabase();
    const { nextDue } = prepareStatements(db);
    const details = db
      .prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN ${nextDue.source}`)
      .all(0)
      .map((row) => row.detail);
    expect(details).toEqual(['SEARCH jobs USING COVERING INDEX jobs_due (run_at>?)']);
    db.close();
  });

  it("claims a worker's job from the head of each type's range, not by sorting the backlog", () => {
    const db = migratedDatabase();
    const { oldestQueuedOfTypes } = prepareStatements(db);
    const details = plan(db, oldestQueuedOfTypes.source, { types: '["a","b"]', now: 0 });
    db.close();
    // Per requested type, one walk of jobs_claim_by_type in claim order stopped at the first
    // due job (no sort inside); the only sort is of those heads, at most one row per type.
    expect(details).toEqual([
      'SEARCH jobs USING INTEGER PRIMARY KEY (rowid=?)',
      'LIST SUBQUERY 2',
      'SCAN wanted VIRTUAL TABLE INDEX 1:',
      'CORRELATED SCALAR SUBQUERY 1',
      'SEARCH jobs USING INDEX jobs_claim_by_type (type=?)',
      'USE TEMP B-TREE FOR ORDER BY',
    ]);
  });

  it("claims a runner's jobs from a bounded window, then the heads of each type, never the backlog", () => {
    const db = migratedDatabase();
    const window = plan(db, ClaimWindow.sql.window, { window: 24 });
    const types = plan(db, ClaimWindow.sql.queuedTypes, {});
    const merged = plan(db, mergedHeadsSql(3), { t0: 'a', t1: 'b', t2: 'c', now: 0, limit: 4 });
    db.close();
    // The window: jobs_claim_order in claim order, no sort, so LIMIT @window bounds the read.
    expect(window).toEqual(['SCAN jobs USING INDEX jobs_claim_order']);
    // The distinct queued types: one search of jobs_claim_by_type per type, on the index only.
    expect(types.filter((detail) => /^(SCAN|SEARCH) jobs/.test(detail))).toEqual([
      'SCAN jobs USING COVERING INDEX jobs_claim_by_type',
      'SEARCH jobs USING COVERING INDEX jobs_claim_by_type (type>?)',
    ]);
    expect(types.join('\n')).not.toMatch(/TEMP B-TREE/);
    // The heads: one range of jobs_claim_by_type per type, merged in claim order until @limit
    // jobs are out; nothing sorted, no range read past what the merge takes.
    const searches = merged.filter((detail) => detail.startsWith('SEARCH'));
    expect(searches).toEqual(Array(3).fill('SEARCH jobs USING INDEX jobs_claim_by_type (type=?)'));
    expect(new Set(merged.filter((detail) => !detail.startsWith('SEARCH')))).toEqual(
      new Set(['MERGE (UNION ALL)', 'LEFT', 'RIGHT']),
    );
  });
});
