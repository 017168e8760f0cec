/**
 * The SQL of `GET /jobs` for each filter combination: equality on the filtered columns, newest
 * first by insertion number `n`, the cursor as `n < @before`. Every combination has an index
 * whose columns are exactly its filters (schema.ts, migration 5), so SQLite walks that index
 * backwards from the cursor and stops after the page: no table scan, no sort
 * (test/sqlite-list-plans.test.ts checks the plan of each).
 */
export interface ListShape {
  status: boolean;
  type: boolean;
  owner: boolean;
  cursor: boolean;
}

/** Named parameters: status, type, owner, before, limit (unused ones may be null). */
export function listSql(shape: ListShape): string {
  const where = [
    shape.status ? 'status = @status' : '',
    shape.type ? 'type = @type' : '',
    shape.owner ? 'owner = @owner' : '',
    shape.cursor ? 'n < @before' : '',
  ].filter(Boolean);
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
