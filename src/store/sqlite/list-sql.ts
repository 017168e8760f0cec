/**
 * The SQL of `GET /jobs` for each filter combination: equality on the filtered columns, newest
 * first by insertion number `n`, the cursor as `n < @before`. The rowid `n` ends every index
 * implicitly, so an index whose columns are exactly the filters delivers its rows in `n` order:
 * SQLite walks it backwards from the cursor and stops after the page, no table scan, no sort
 * (test/sqlite-list-plans.test.ts checks the plan of each).
 *
 * A status filter has such an index for every combination (migrations 1 and 5). Without one,
 * type and owner are read through their `…_status` index, once per status: a status is one of
 * five (the table's CHECK), so the five equality ranges are all the type's (or owner's) jobs,
 * each in `n` order, and SQLite merges them (`MERGE (UNION ALL)`, each side a co-routine read
 * one row at a time) until the page is full. That read is at most the page plus one row per
 * status, and it let migration 12 drop the indexes on (type), (owner) and (owner, type), which
 * every submit paid for.
 */
import { JOB_STATUSES } from '../../model/job.js';

export interface ListShape {
  status: boolean;
  type: boolean;
  owner: boolean;
  cursor: boolean;
}

/**
 * 12: drop the list indexes that an index on the same columns plus `status` now serves
 * (above). A queued job without an owner fed seven of the table's indexes; it now feeds five.
 */
export const LIST_INDEXES_MIGRATION = `
  DROP INDEX jobs_by_type;
  DROP INDEX jobs_by_owner;
  DROP INDEX jobs_by_owner_type;
`;

/** Named parameters: status, type, owner, before, limit (unused ones may be null). */
export function listSql(shape: ListShape): string {
  const where = [
    shape.status ? 'status = @status' : '',
    shape.type ? 'type = @type' : '',
    shape.owner ? 'owner = @owner' : '',
    shape.cursor ? 'n < @before' : '',
  ].filter(Boolean);
  if (!shape.status && (shape.type || shape.owner)) {
    // One range per status, merged in `n` order (above). The statuses are literals: every
    // shape takes the same named parameters.
    const sides = JOB_STATUSES.map(
      (status) => `SELECT * FROM jobs WHERE ${[...where, `status = '${status}'`].join(' AND ')}`,
    );
    return `${sides.join('\n         UNION ALL ')}
         ORDER BY n DESC LIMIT @limit`;
  }
  return `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY n DESC LIMIT @limit`;
}

/** Every combination the API offers: status and type from the query, owner with API keys. */
export function allListShapes(): ListShape[] {
  const shapes: ListShape[] = [];
  for (let bits = 0; bits < 16; bits++) {
    shapes.push({
      status: (bits & 1) !== 0,
      type: (bits & 2) !== 0,
      owner: (bits & 4) !== 0,
      cursor: (bits & 8) !== 0,
    });
  }
  return shapes;
}
