/**
 * Per-job retention in the SQLite store (issue 16, item 6): a job with `keep_for` (ms) is
 * deleted once that long has passed since its last change, whatever retention the pruner was
 * given; the others by that retention, as before. Each kind has a partial index of its own,
 * so neither prune statement walks past the other kind's rows.
 */
import { TERMINAL_STATUSES } from '../../model/job.js';

const FINISHED = `status IN (${TERMINAL_STATUSES.map((s) => `'${s}'`).join(',')})`;

export const KEEP_FOR_MIGRATION = `
  ALTER TABLE jobs ADD COLUMN keep_for INTEGER;            -- ms; NULL: the server's retention
  DROP INDEX jobs_finished_by_age;
  CREATE INDEX jobs_finished_by_age ON jobs (updated_at) WHERE ${FINISHED} AND keep_for IS NULL;
  CREATE INDEX jobs_kept_by_expiry ON jobs (updated_at + keep_for)
    WHERE ${FINISHED} AND keep_for IS NOT NULL;
`;

/**
 * Parameters: before (ms), limit. Finished jobs without a retention of their own, last
 * changed before `before`. INDEXED BY: left to itself the planner picks jobs_by_status and
 * walks every finished job, expired or not, on each batch.
 */
export const PRUNE_BY_AGE_SQL = `
  DELETE FROM jobs WHERE n IN (
    SELECT n FROM jobs INDEXED BY jobs_finished_by_age
    WHERE ${FINISHED} AND keep_for IS NULL AND updated_at < ? LIMIT ?)`;

/** Parameters: now (ms), limit. Finished jobs whose own retention ended before `now`. */
export const PRUNE_KEPT_SQL = `
  DELETE FROM jobs WHERE n IN (
    SELECT n FROM jobs INDEXED BY jobs_kept_by_expiry
    WHERE ${FINISHED} AND keep_for IS NOT NULL AND updated_at + keep_for < ? LIMIT ?)`;
