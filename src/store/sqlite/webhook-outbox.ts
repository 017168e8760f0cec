/**
 * The SQLite store's webhook outbox (../webhook-outbox.ts): its tables (one migration step of
 * their own), the hook the store calls inside every write's transaction, and the delivery
 * queue's reads and writes. Rows hang off the job (`job_n`, ON DELETE CASCADE), so pruning a
 * job prunes its webhooks too.
 */
import type { Database, Statement } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { isTerminal, type JobEvent } from '../../model/job.js';
import { DELIVERY_STATES, type Delivery, type DeliveryState } from '../../model/webhook.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  EndpointKeys,
  RedeliverResult,
  WebhookOutbox,
  WebhookTarget,
} from '../webhook-outbox.js';

export const WEBHOOK_OUTBOX_MIGRATION = `
  CREATE TABLE webhook_targets (
    job_n  INTEGER NOT NULL REFERENCES jobs (n) ON DELETE CASCADE,
    url    TEXT NOT NULL,
    events TEXT NOT NULL CHECK (events IN ('terminal','all')),
    PRIMARY KEY (job_n, url)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE webhook_deliveries (
    n            INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: oldest first, per-URL order
    id           TEXT NOT NULL UNIQUE,               -- webhook-id, the same on every attempt
    job_n        INTEGER NOT NULL REFERENCES jobs (n) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    url          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending','delivered','dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    window_start INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
  CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries (job_n, url, n);
  CREATE TABLE webhook_attempts (
    delivery_n  INTEGER NOT NULL REFERENCES webhook_deliveries (n) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER,
    latency_ms  INTEGER NOT NULL,
    error       TEXT,
    PRIMARY KEY (delivery_n, attempt)
  ) STRICT, WITHOUT ROWID;
`;

interface DeliveryRow {
  n: number;
  id: string;
  job_id: string;
  seq: number;
  kind: Delivery['kind'];
  url: string;
  payload: string;
  state: DeliveryState;
  attempts: number;
  next_at: number;
  window_start: number;
  created_at: number;
  endpoint_id: string | null;
  /** From the endpoint, at claim time (NULL: no endpoint, or a deleted one). */
  ep_secret: string | null;
  ep_previous_secret: string | null;
  ep_previous_until: number | null;
}

interface AttemptRow {
  delivery_n: number;
  attempt: number;
  at: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** Runs `fn` inside the store's group commit; resolves after the commit. */
export type WriteThrough = <T>(fn: () => T) => Promise<T>;
export type ReadThrough = <T>(fn: () => T) => Promise<T>;

const JOINED = `SELECT d.*, j.id AS job_id, w.secret AS ep_secret,
         w.previous_secret AS ep_previous_secret, w.previous_until AS ep_previous_until
  FROM webhook_deliveries d JOIN jobs j ON j.n = d.job_n
  LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id`;

export class SqliteWebhookOutbox implements WebhookOutbox {
  readonly #listeners = new Set<() => void>();
  #notifying = false;
  readonly #write: WriteThrough;
  readonly #read: ReadThrough;
  /**
   * Whether any job may have a webhook target or any endpoint be registered. Once true it
   * stays true (targets pruned with their jobs only cost the lookup again), so it never skips
   * a target that exists.
   */
  #anyTargets: boolean;
  readonly #s: {
    insertTarget: Statement;
    targets: Statement<
      [{ id: string }],
      { job_n: number; url: string; events: string; endpoint_id: string | null }
    >;
    insertDelivery: Statement;
    due: Statement<[{ now: number; limit: number }], DeliveryRow>;
    lease: Statement<[number, number]>;
    postpone: Statement<[number, string]>;
    byId: Statement<[string], DeliveryRow>;
    insertAttempt: Statement;
    finish: Statement;
    nextDue: Statement<[], { next_at: number | null }>;
    forJob: Statement<[string], DeliveryRow>;
    attemptsOf: Statement<[number], AttemptRow>;
    redeliver: Statement<[{ now: number; n: number }]>;
    counts: Statement<[], { state: DeliveryState; count: number }>;
  };

  constructor(db: Database, write: WriteThrough, read: ReadThrough) {
    this.#write = write;
    this.#read = read;
    const stored = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM webhook_targets) OR EXISTS (SELECT 1 FROM webhook_endpoints)
         AS any`,
      )
      .get();
    this.#anyTargets = (stored as { any: number }).any === 1;
    this.#s = {
      insertTarget: db.prepare(
        'INSERT OR REPLACE INTO webhook_targets (job_n, url, events) VALUES (?, ?, ?)',
      ),
      // The submit's own targets, then every endpoint its owner has registered now.
      targets: db.prepare(
        `SELECT t.job_n, t.url, t.events, NULL AS endpoint_id
           FROM webhook_targets t JOIN jobs j ON j.n = t.job_n WHERE j.id = @id
         UNION ALL
         SELECT j.n, e.url, e.events, e.id FROM jobs j
           JOIN webhook_endpoints e ON e.owner IS j.owner
          WHERE j.id = @id`,
      ),
      insertDelivery: db.prepare(
        `INSERT INTO webhook_deliveries (id, job_n, seq, kind, url, payload, state, next_at,
                                         window_start, created_at, endpoint_id)
         VALUES (@id, @job_n, @seq, @kind, @url, @payload, 'pending', @at, @at, @at,
                 @endpoint_id)`,
      ),
      // Oldest first; never one whose job has an earlier pending delivery to the same URL.
      due: db.prepare(
        `${JOINED} WHERE d.state = 'pending' AND d.next_at <= @now AND d.lease_until <= @now
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.job_n = d.job_n
                           AND e.url = d.url AND e.state = 'pending' AND e.n < d.n)
         ORDER BY d.next_at, d.n LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE webhook_deliveries SET lease_until = ? WHERE n = ?'),
      postpone: db.prepare(
        'UPDATE webhook_deliveries SET next_at = ?, lease_until = 0 WHERE id = ?',
      ),
      byId: db.prepare(`${JOINED} WHERE d.id = ?`),
      insertAttempt: db.prepare(
        `INSERT INTO webhook_attempts (delivery_n, attempt, at, status_code, latency_ms, error)
         VALUES (@delivery_n, @attempt, @at, @status_code, @latency_ms, @error)`,
      ),
      finish: db.prepare(
        `UPDATE webhook_deliveries SET state = @state, attempts = @attempts, next_at = @next_at,
                lease_until = 0 WHERE n = @n`,
      ),
      nextDue: db.prepare(
        `SELECT MIN(max(next_at, lease_until)) AS next_at FROM webhook_deliveries
         WHERE state = 'pending'`,
      ),
      forJob: db.prepare(`${JOINED} WHERE j.id = ? ORDER BY d.n`),
      attemptsOf: db.prepare(
        'SELECT * FROM webhook_attempts WHERE delivery_n = ? ORDER BY attempt',
      ),
      redeliver: db.prepare(
        `UPDATE webhook_deliveries SET state = 'pending', next_at = @now, window_start = @now,
                lease_until = 0 WHERE n = @n AND state = 'dead'`,
      ),
      counts: db.prepare('SELECT state, COUNT(*) AS count FROM webhook_deliveries GROUP BY state'),
    };
  }

  /** A registered endpoint exists from now on: events look for targets again. */
  endpointRegistered(): void {
    this.#anyTargets = true;
  }

  /** Inside the create transaction: the job's webhook targets. */
  addTargets(jobN: number, targets: readonly WebhookTarget[]): void {
    if (targets.length > 0) this.#anyTargets = true;
    for (const t of targets) this.#s.insertTarget.run(jobN, t.url, t.events);
  }

  /**
   * Inside every write's transaction, for the events it appends: one pending delivery per
   * event and target that asked for it. This is the outbox write.
   */
  recordEvents(events: readonly JobEvent[]): void {
    // Most deployments never ask for a webhook: then no write pays a lookup per event.
    if (!this.#anyTargets) return;
    for (const event of events) {
      for (const target of this.#s.targets.all({ id: event.jobId })) {
        if (target.events === 'terminal' && !isTerminal(event.status)) continue;
        const at = Date.parse(event.at);
        const payload = JSON.stringify({
          type: `job.${event.kind}`,
          timestamp: event.at,
          data: event,
        });
        this.#s.insertDelivery.run({
          id: `msg_${randomBytes(16).toString('base64url')}`,
          job_n: target.job_n,
          seq: event.seq,
          kind: event.kind,
          url: target.url,
          payload,
          at,
          endpoint_id: target.endpoint_id,
        });
        this.#notify();
      }
    }
  }

  onRecorded(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** After this loop turn, by which the write has committed (or failed, and a claim finds nothing). */
  #notify(): void {
    if (this.#notifying || this.#listeners.size === 0) return;
    this.#notifying = true;
    setImmediate(() => {
      this.#notifying = false;
      for (const listener of this.#listeners) listener();
    });
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.#write(() =>
      this.#s.due.all({ now, limit }).map((row) => {
        this.#s.lease.run(now + leaseMs, row.n);
        return {
          id: row.id,
          jobId: row.job_id,
          url: row.url,
          payload: row.payload,
          attempts: row.attempts,
          windowStart: row.window_start,
          ...(row.endpoint_id !== null && { endpoint: endpointOf(row, row.endpoint_id) }),
        };
      }),
    );
  }

  postpone(id: string, nextAt: number): Promise<void> {
    return this.#write(() => {
      this.#s.postpone.run(nextAt, id);
    });
  }

  recordAttempt(id: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    return this.#write(() => {
      const row = this.#s.byId.get(id);
      if (!row) return; // the job was pruned meanwhile
      const number = row.attempts + 1;
      this.#s.insertAttempt.run({
        delivery_n: row.n,
        attempt: number,
        at: attempt.at,
        status_code: attempt.statusCode ?? null,
        latency_ms: Math.round(attempt.latencyMs),
        error: attempt.error ?? null,
      });
      this.#s.finish.run({
        n: row.n,
        state: outcome.state,
        attempts: number,
        next_at: outcome.state === 'pending' ? outcome.nextAt : row.next_at,
      });
    });
  }

  nextDueAt(): Promise<number | undefined> {
    return this.#read(() => this.#s.nextDue.get()?.next_at ?? undefined);
  }

  forJob(jobId: string): Promise<Delivery[]> {
    return this.#read(() =>
      this.#s.forJob.all(jobId).map((row) => ({
        id: row.id,
        jobId: row.job_id,
        url: row.url,
        seq: row.seq,
        kind: row.kind,
        ...(row.endpoint_id !== null && { endpointId: row.endpoint_id }),
        state: row.state,
        createdAt: new Date(row.created_at).toISOString(),
        ...(row.state === 'pending' ? { nextAttemptAt: new Date(row.next_at).toISOString() } : {}),
        attempts: this.#s.attemptsOf.all(row.n).map((a) => ({
          attempt: a.attempt,
          at: new Date(a.at).toISOString(),
          ...(a.status_code === null ? {} : { statusCode: a.status_code }),
          latencyMs: a.latency_ms,
          ...(a.error === null ? {} : { error: a.error }),
        })),
      })),
    );
  }

  redeliver(jobId: string, deliveryId: string, now: number): Promise<RedeliverResult> {
    return this.#write(() => {
      const row = this.#s.byId.get(deliveryId);
      if (!row || row.job_id !== jobId) return 'missing';
      return this.#s.redeliver.run({ now, n: row.n }).changes === 1 ? 'redelivered' : 'not_dead';
    });
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    return this.#read(() => {
      const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<
        DeliveryState,
        number
      >;
      for (const row of this.#s.counts.all()) counts[row.state] = row.count;
      return counts;
    });
  }
}

/** The endpoint's signing keys as the claim found them; none when it was deleted. */
function endpointOf(row: DeliveryRow, id: string): NonNullable<DueDelivery['endpoint']> {
  if (row.ep_secret === null) return { id };
  const keys: EndpointKeys = { secret: row.ep_secret };
  if (row.ep_previous_secret !== null && row.ep_previous_until !== null) {
    keys.previousSecret = row.ep_previous_secret;
    keys.previousUntil = row.ep_previous_until;
  }
  return { id, keys };
}
