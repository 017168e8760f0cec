/**
 * SQLite schema, versioned with `PRAGMA user_version`: each entry of MIGRATIONS upgrades the
 * database by one version, inside one transaction.
 */
import type { Database } from 'better-sqlite3';
import { CLAIM_BY_TYPE_MIGRATION } from './claim-by-type.js';
import { KEEP_FOR_MIGRATION } from './keep-for.js';
import { LIST_INDEXES_MIGRATION } from './list-sql.js';
import { SCHEDULES_MIGRATION } from './schedules.js';
import { WEBHOOK_ENDPOINTS_MIGRATION } from './webhook-endpoints.js';
import { WEBHOOK_OUTBOX_MIGRATION } from './webhook-outbox.js';

/** `PRAGMA application_id` of our files: "bpjs" (backend-patterns job store) in ASCII. */
export const APPLICATION_ID = 0x62706a73;

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
  // 4: the file says whose it is, so a server never adopts another application's database
  // (file-check.ts reads it before changing anything).
  `PRAGMA application_id = ${APPLICATION_ID};`,
  // 5: an index for every filter combination GET /jobs offers (docs/reliability.md). The rowid
  // `n` ends every index implicitly, so `WHERE <equalities> ORDER BY n DESC` (and the cursor,
  // `n < ?`) walks the index backwards and stops at the page size: no scan, no sort. Owner
  // indexes are partial: with API keys off every owner is NULL and they cost nothing.
  `
  CREATE INDEX jobs_by_type_status ON jobs (type, status);
  CREATE INDEX jobs_by_owner_status ON jobs (owner, status) WHERE owner IS NOT NULL;
  CREATE INDEX jobs_by_owner_type ON jobs (owner, type) WHERE owner IS NOT NULL;
  CREATE INDEX jobs_by_owner_type_status ON jobs (owner, type, status) WHERE owner IS NOT NULL;
  `,
  // 6: jobs by status, kept by triggers in the writing transaction, so /metrics reads five
  // rows instead of counting the table on every scrape.
  `
  CREATE TABLE job_counts (
    status TEXT PRIMARY KEY,
    count  INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  INSERT INTO job_counts (status, count) SELECT status, COUNT(*) FROM jobs GROUP BY status;
  CREATE TRIGGER job_counts_on_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_counts (status, count) VALUES (NEW.status, 1)
      ON CONFLICT (status) DO UPDATE SET count = count + 1;
  END;
  CREATE TRIGGER job_counts_on_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET count = count - 1 WHERE status = OLD.status;
  END;
  CREATE TRIGGER job_counts_on_status AFTER UPDATE OF status ON jobs
    WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE job_counts SET count = count - 1 WHERE status = OLD.status;
    INSERT INTO job_counts (status, count) VALUES (NEW.status, 1)
      ON CONFLICT (status) DO UPDATE SET count = count + 1;
  END;
  `,
  // 7: webhook targets, the delivery outbox and every attempt (webhook-outbox.ts).
  WEBHOOK_OUTBOX_MIGRATION,
  // 8: queue semantics (issue 16): attempts and backoff for retries, priority, due time.
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
  // 9: recurring schedules (src/store/schedules.ts). next_run_at is NULL while paused;
  // schedules_due finds what the ticker fires, schedules_by_owner pages one owner's list.
  SCHEDULES_MIGRATION,
  // 10: per-job retention (keepFor); the pruner finds expired ones by index (keep-for.ts).
  KEEP_FOR_MIGRATION,
  // 11: registered webhook endpoints per owner, and the endpoint a delivery goes to
  // (webhook-endpoints.ts).
  WEBHOOK_ENDPOINTS_MIGRATION,
  // 12: fewer indexes per submit: (type), (owner) and (owner, type) go; a list filtered by
  // them without a status reads the `…_status` index once per status (list-sql.ts).
  LIST_INDEXES_MIGRATION,
  // 13: each type's queued jobs in claim order, so an external worker's claim reads the head
  // of its types' ranges instead of sorting their whole backlog (claim-by-type.ts).
  CLAIM_BY_TYPE_MIGRATION,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Upgrades a file that file-check.ts accepted (so its version is at most SCHEMA_VERSION). */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
