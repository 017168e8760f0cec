/**
 * An external worker's claim in the SQLite store (leases.ts): the first due queued job of the
 * worker's types in claim order — higher priority first, then arrival (`n`), the order the
 * runners' claim reads from jobs_claim_order (migration 8).
 *
 * Filtered by `type IN (…) ORDER BY priority DESC, n`, SQLite read every queued job of those
 * types from jobs_by_type_status and sorted them to return one: on 100,000 queued jobs of
 * the type, 14 ms on the event loop per claim (docs/benchmarks.md). jobs_claim_by_type holds
 * each type's queued jobs in claim order, so one type's first due job is the head of its
 * range; the claim takes that head for each requested type (a walk past that type's delayed
 * jobs ahead, as the runners' claim walks past all of them), then the first of those, a sort
 * of at most one row per type.
 */

/**
 * 13: each type's queued jobs in claim order. Partial like jobs_claim_order: a job leaves it
 * when it starts, so it holds the backlog, not the history.
 */
export const CLAIM_BY_TYPE_MIGRATION = `
  CREATE INDEX jobs_claim_by_type ON jobs (type, priority DESC, n) WHERE status = 'queued';
`;

/**
 * Named parameters: types (a JSON array of type names), now (ms). INDEXED BY: the planner has
 * no statistics to tell it that jobs_by_type_status, which also serves `type = ?`, holds the
 * type's whole history in the wrong order.
 */
export const OLDEST_QUEUED_OF_TYPES_SQL = `
  SELECT id FROM jobs WHERE n IN (
    SELECT (SELECT n FROM jobs INDEXED BY jobs_claim_by_type
            WHERE status = 'queued' AND type = wanted.value
              AND (run_at IS NULL OR run_at <= @now)
            ORDER BY priority DESC, n LIMIT 1)
    FROM json_each(@types) AS wanted)
  ORDER BY priority DESC, n LIMIT 1`;
