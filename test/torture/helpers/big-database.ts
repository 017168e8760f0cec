/**
 * A database as an operator's looks after months: many finished jobs, a dozen events each,
 * written straight into the file in one transaction (SQL generates the rows; seconds instead
 * of the hours a real server would take). The file is first created by the store, so it is
 * ours and of the current schema.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

export const EVENTS_PER_JOB = 12;
/** The job types of the filled jobs, in turn; `demo` is one in four. */
const TYPES = ['demo', 'hash-file', 'prime-count', 'ticker'];

export interface BigDatabase {
  path: string;
  jobs: number;
  events: number;
  /** Jobs of type demo that failed: what `?type=demo&status=failed` lists. */
  demoFailed: number;
  buildMs: number;
}

/**
 * `jobs` finished jobs (1 in 25 failed, 1 in 97 canceled, the rest succeeded), each with
 * EVENTS_PER_JOB events, all last changed a day before `now`.
 */
export async function buildBigDatabase(
  dataDir: string,
  jobs: number,
  now = Date.now(),
): Promise<BigDatabase> {
  const started = performance.now();
  const path = join(dataDir, 'jobs.db');
  await new SqliteStore({ path }).close();
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  const t0 = now - 86_400_000 - jobs * 10;
  const types = TYPES.map((t, i) => `WHEN ${i} THEN '${t}'`).join(' ');
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < @jobs)
       INSERT INTO jobs (id, type, status, progress, seq, attempt, input, result, error,
                         created_at, updated_at)
       SELECT lower(hex(randomblob(16))),
              CASE i % ${TYPES.length} ${types} END,
              CASE WHEN i % 25 = 0 THEN 'failed' WHEN i % 97 = 0 THEN 'canceled'
                   ELSE 'succeeded' END AS status,
              100, ${EVENTS_PER_JOB}, 1, '{"steps":10}',
              CASE WHEN i % 25 = 0 OR i % 97 = 0 THEN NULL ELSE '{"ok":true}' END,
              CASE WHEN i % 25 = 0 THEN '{"code":"handler_error","message":"boom"}' END,
              @t0 + i * 10, @t0 + i * 10 + 5
       FROM c`,
    ).run({ jobs, t0 });
    db.prepare(
      `WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < ${EVENTS_PER_JOB})
       INSERT INTO job_events (job_n, seq, kind, status, progress, data, at)
       SELECT j.n, s.seq,
              CASE s.seq WHEN 1 THEN 'queued' WHEN 2 THEN 'started'
                         WHEN ${EVENTS_PER_JOB} THEN j.status ELSE 'progress' END,
              CASE s.seq WHEN 1 THEN 'queued' WHEN ${EVENTS_PER_JOB} THEN j.status
                         ELSE 'running' END,
              CASE WHEN s.seq <= 2 THEN 0 WHEN s.seq = ${EVENTS_PER_JOB} THEN 100
                   ELSE (s.seq - 2) * 10 END,
              NULL, j.created_at + s.seq
       FROM jobs j CROSS JOIN s ORDER BY j.n, s.seq`,
    ).run();
  })();
  const count = (sql: string) => db.prepare<[], { n: number }>(sql).get()?.n ?? 0;
  const result: BigDatabase = {
    path,
    jobs: count('SELECT COUNT(*) AS n FROM jobs'),
    events: count('SELECT COUNT(*) AS n FROM job_events'),
    demoFailed: count(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'demo' AND status = 'failed'`),
    buildMs: 0,
  };
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  result.buildMs = performance.now() - started;
  return result;
}
