/**
 * The runners' claim in the SQLite store (claimNext): up to `limit` due queued jobs in claim
 * order — higher priority first, then arrival (`n`) — of every type but the excepted ones (the
 * external workers' types, and types at their concurrency limit).
 *
 * Read straight off jobs_claim_order, the claim walks past every queued job it may not take
 * before it finds one it may: with 100,000 external jobs waiting for workers, an empty claim
 * read them all (26 ms), on every `queued` event of a runner with free slots
 * (docs/benchmarks.md). Taking each type's first jobs from jobs_claim_by_type instead reads
 * at most `limit` rows per type, but costs a walk over the distinct queued types and a merge
 * on every claim: 5× and more the plain walk when the head of the queue is claimable, which
 * is the usual case. So the claim walks a short window of jobs_claim_order first, and only
 * when the window holds fewer than `limit` claimable jobs and the queue goes on past it, finds
 * the queued types and merges the ranges of the claimable ones. Both return the same jobs in
 * the same order: the window is the start of the queue in claim order, and the merge reads
 * each type's jobs in that order and stops after `limit` (test/sqlite-claim-window.test.ts).
 */
import type { Database, Statement } from 'better-sqlite3';

/** A due job the claim may take. */
export interface DueJob {
  id: string;
  type: string;
}

/**
 * Queued jobs the window reads per job asked for, and on top. Each costs about 1 µs (it is
 * stepped from JS); the fallback 5–16 µs to find the queued types, then about 8 µs per
 * claimable type and 1 µs per job (docs/benchmarks.md). A window of a few rows past `limit`
 * covers the usual case, a claimable head of the queue, and keeps a claim that falls back
 * within about twice the fallback.
 */
const WINDOW_PER_JOB = 2;
const WINDOW_BASE = 16;

/**
 * The first @window queued jobs in claim order, stepped one at a time and filtered here: the
 * claim stops at `limit` claimable ones, so when the head of the queue is claimable it reads
 * exactly the rows it takes (and parses no type list, which cost the old query ~6 µs).
 */
const WINDOW_SQL = `
  SELECT id, type, run_at FROM jobs INDEXED BY jobs_claim_order
  WHERE status = 'queued' ORDER BY priority DESC, n LIMIT @window`;

/** The distinct queued types, one jobs_claim_by_type search each (a skip over the index). */
const QUEUED_TYPES_SQL = `
  WITH RECURSIVE queued_types (type) AS (
    SELECT (SELECT type FROM jobs INDEXED BY jobs_claim_by_type
            WHERE status = 'queued' ORDER BY type LIMIT 1)
    UNION ALL
    SELECT (SELECT type FROM jobs INDEXED BY jobs_claim_by_type
            WHERE status = 'queued' AND type > queued_types.type ORDER BY type LIMIT 1)
    FROM queued_types WHERE queued_types.type IS NOT NULL)
  SELECT type FROM queued_types WHERE type IS NOT NULL`;

/**
 * Most types one merge names. Past it (a queue of more claimable types than any deployment
 * here declares) the claim walks jobs_claim_order as it did before the window.
 */
const MAX_MERGED_TYPES = 64;

/**
 * The due jobs of `count` types (named parameters t0, t1, …, now, limit), each side its
 * type's range of jobs_claim_by_type in claim order, merged (`MERGE (UNION ALL)`, each side a
 * co-routine read one row at a time) until @limit are out: a read of about @limit rows plus
 * one per type, and no sort. Delayed jobs at the head of a range are walked past, as the
 * window walks past them.
 */
export function mergedHeadsSql(count: number): string {
  const sides = Array.from(
    { length: count },
    (_, i) => `SELECT id, type, priority, n FROM jobs INDEXED BY jobs_claim_by_type
       WHERE status = 'queued' AND type = @t${i} AND (run_at IS NULL OR run_at <= @now)`,
  );
  return `${sides.join('\n       UNION ALL ')}
       ORDER BY priority DESC, n LIMIT @limit`;
}

/** The walk before the window: every queued job in claim order until `limit` claimable. */
const WALK_SQL = `
  SELECT id, type FROM jobs INDEXED BY jobs_claim_order
  WHERE status = 'queued' AND (run_at IS NULL OR run_at <= @now)
    AND type NOT IN (SELECT value FROM json_each(@except))
  ORDER BY priority DESC, n LIMIT @limit`;

type WindowRow = [id: string, type: string, runAt: number | null];

export class ClaimWindow {
  readonly #db: Database;
  readonly #window: Statement<[{ window: number }], WindowRow>;
  readonly #queuedTypes: Statement<[], string>;
  readonly #walk: Statement<[{ now: number; except: string; limit: number }], DueJob>;
  /** By the number of types merged: prepared on first use, as few as the deployment's types. */
  readonly #merges = new Map<number, Statement<[Record<string, string | number>], DueJob>>();

  constructor(db: Database) {
    this.#db = db;
    this.#window = db.prepare<[{ window: number }], WindowRow>(WINDOW_SQL).raw(true);
    this.#queuedTypes = db.prepare<[], string>(QUEUED_TYPES_SQL).pluck(true);
    this.#walk = db.prepare(WALK_SQL);
  }

  /** The SQL of the reads, for their plans' tests. */
  static readonly sql = { window: WINDOW_SQL, queuedTypes: QUEUED_TYPES_SQL } as const;

  /** Up to `limit` due jobs of types not in `except`, in claim order. */
  due(now: number, limit: number, except: ReadonlySet<string>): DueJob[] {
    if (limit <= 0) return []; // as LIMIT 0 was: the loop below returns after its first job
    const window = WINDOW_BASE + WINDOW_PER_JOB * limit;
    const found: DueJob[] = [];
    let read = 0;
    for (const [id, type, runAt] of this.#window.iterate({ window })) {
      read++;
      if ((runAt !== null && runAt > now) || except.has(type)) continue;
      found.push({ id, type });
      if (found.length >= limit) return found; // leaving the loop resets the statement
    }
    // The queue ended inside the window: nothing else is claimable.
    if (read < window) return found;
    const types = this.#queuedTypes.all().filter((type) => !except.has(type));
    if (types.length === 0) return [];
    if (types.length > MAX_MERGED_TYPES) {
      return this.#walk.all({ now, except: JSON.stringify([...except]), limit });
    }
    const params: Record<string, string | number> = { now, limit };
    types.forEach((type, i) => (params[`t${i}`] = type));
    return this.#merge(types.length)
      .all(params)
      .map(({ id, type }) => ({ id, type }));
  }

  #merge(count: number): Statement<[Record<string, string | number>], DueJob> {
    let statement = this.#merges.get(count);
    if (!statement) {
      statement = this.#db.prepare(mergedHeadsSql(count));
      this.#merges.set(count, statement);
    }
    return statement;
  }
}
