/**
 * SQLite schema, versioned with `PRAGMA user_version`: each entry of MIGRATIONS upgrades the
 * database by one version, inside one transaction.
 */
import type { Database } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    n               INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order: FIFO claims, newest-first lists
    id              TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','canceled')),
    progress        INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    seq             INTEGER NOT NULL,
    attempt         INTEGER NOT NULL DEFAULT 0,
    input           TEXT NOT NULL,                      -- JSON
    result          TEXT,                               -- JSON
    error           TEXT,                               -- JSON {code, message}
    idempotency_key TEXT UNIQUE,
    request_hash    TEXT,
    created_at      INTEGER NOT NULL,                   -- ms since epoch
    updated_at      INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX jobs_by_status ON jobs (status);
  CREATE INDEX jobs_by_type ON jobs (type);
  CREATE INDEX jobs_finished_by_age ON jobs (updated_at) WHERE status IN ('succeeded','failed','canceled');

  -- Keyed by the job's insertion number, not its random id: new events land at the end of
  -- the B-tree instead of on random pages, which keeps commits small as the table grows.
  CREATE TABLE job_events (
    job_n    INTEGER NOT NULL REFERENCES jobs (n) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    status   TEXT NOT NULL,
    progress INTEGER NOT NULL,
    data     TEXT,                                      -- JSON
    at       INTEGER NOT NULL,
    PRIMARY KEY (job_n, seq)
  ) STRICT, WITHOUT ROWID;
  `,
  // 2: jobs belong to the API key that submitted them (NULL when API keys are off).
  `
  ALTER TABLE jobs ADD COLUMN owner TEXT;
  CREATE INDEX jobs_by_owner ON jobs (owner);
  `,
  // 3: leases of jobs held by external workers (src/store/leases.ts), apart from the job row.
  `
  CREATE TABLE job_leases (
    job_n      INTEGER PRIMARY KEY REFERENCES jobs (n) ON DELETE CASCADE,
    token      TEXT NOT NULL,
    worker     TEXT NOT NULL,
    expires_at INTEGER NOT NULL                         -- ms since epoch
  ) STRICT;
  CREATE INDEX job_leases_by_expiry ON job_leases (expires_at);
  `,
  // 4: queue semantics (issue 16): attempts and backoff for retries, priority, due time.
  // Claims read jobs_claim_order (priority first, then arrival) and skip jobs not yet due;
  // jobs_due finds when the next delayed job is due.
  `
  ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN backoff TEXT;                -- JSON BackoffPolicy
  ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN run_at INTEGER;              -- ms since epoch; NULL: due now
  CREATE INDEX jobs_claim_order ON jobs (priority DESC, n) WHERE status = 'queued';
  CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'queued' AND run_at IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this server understands (${SCHEMA_VERSION})`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
