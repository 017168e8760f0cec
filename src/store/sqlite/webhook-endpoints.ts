/**
 * Registered webhook endpoints in the SQLite store (../webhook-endpoints.ts). The outbox
 * (webhook-outbox.ts) reads this table inside each change's transaction to fan an event out
 * to its owner's endpoints, and joins it at claim time for the secrets to sign with.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { WebhookEndpointPage, WebhookEndpointPatch } from '../../model/webhook-endpoint.js';
import type { WebhookEventMode } from '../../model/webhook.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { newJobId } from '../job-id.js';
import {
  withoutSecret,
  type NewWebhookEndpoint,
  type SecretRotation,
  type StoredWebhookEndpoint,
  type WebhookEndpointQuery,
  type WebhookEndpointStore,
} from '../webhook-endpoints.js';
import type { ReadThrough, WriteThrough } from './webhook-outbox.js';

/**
 * Migration 11. `owner IS ?` finds the endpoints of a job's owner (NULL with API keys off)
 * through webhook_endpoints_by_owner; `endpoint_id` ties a delivery to the endpoint whose
 * secret signs it (NULL: a submit's own webhook, signed with the server's secret).
 */
export const WEBHOOK_ENDPOINTS_MIGRATION = `
  CREATE TABLE webhook_endpoints (
    n               INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    owner           TEXT,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL CHECK (events IN ('terminal','all')),
    description     TEXT,
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  INTEGER,                    -- ms since epoch: the old secret signs until then
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (owner, n);
  ALTER TABLE webhook_deliveries ADD COLUMN endpoint_id TEXT;
`;

export interface EndpointRow {
  n: number;
  id: string;
  owner: string | null;
  url: string;
  events: WebhookEventMode;
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_until: number | null;
  created_at: number;
  updated_at: number;
}

export class SqliteWebhookEndpoints implements WebhookEndpointStore {
  readonly #write: WriteThrough;
  readonly #read: ReadThrough;
  readonly #now: () => number;
  readonly #onCreated: () => void;
  readonly #s: {
    insert: Statement;
    byId: Statement<[string], EndpointRow>;
    list: Statement<[{ owner: string | null; before: number; limit: number }], EndpointRow>;
    update: Statement;
    rotate: Statement;
    remove: Statement<[string]>;
  };

  /** `onCreated`: tells the outbox that events may now have targets (its fast path). */
  constructor(
    db: Database,
    write: WriteThrough,
    read: ReadThrough,
    now: () => number,
    onCreated: () => void,
  ) {
    this.#write = write;
    this.#read = read;
    this.#now = now;
    this.#onCreated = onCreated;
    this.#s = {
      insert: db.prepare(
        `INSERT INTO webhook_endpoints (id, owner, url, events, description, secret, created_at,
                                        updated_at)
         VALUES (@id, @owner, @url, @events, @description, @secret, @now, @now)`,
      ),
      byId: db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?'),
      list: db.prepare(
        `SELECT * FROM webhook_endpoints WHERE owner IS @owner AND n < @before
         ORDER BY n DESC LIMIT @limit`,
      ),
      update: db.prepare(
        `UPDATE webhook_endpoints SET url = @url, events = @events, description = @description,
                updated_at = @now WHERE id = @id`,
      ),
      rotate: db.prepare(
        // No overlap asked (until 0): the old secret stops signing at once.
        `UPDATE webhook_endpoints
            SET previous_secret = CASE WHEN @until > 0 THEN secret END,
                previous_until = CASE WHEN @until > 0 THEN @until END,
                secret = @secret, updated_at = @now WHERE id = @id`,
      ),
      remove: db.prepare('DELETE FROM webhook_endpoints WHERE id = ?'),
    };
  }

  createEndpoint(endpoint: NewWebhookEndpoint): Promise<StoredWebhookEndpoint> {
    return this.#write(() => {
      const id = newJobId();
      this.#s.insert.run({
        id,
        owner: endpoint.owner ?? null,
        url: endpoint.url,
        events: endpoint.events,
        description: endpoint.description ?? null,
        secret: endpoint.secret,
        now: this.#now(),
      });
      this.#onCreated();
      return this.#get(id) as StoredWebhookEndpoint;
    });
  }

  getEndpoint(id: string): Promise<StoredWebhookEndpoint | undefined> {
    return this.#read(() => this.#get(id));
  }

  listEndpoints(query: WebhookEndpointQuery): Promise<WebhookEndpointPage> {
    return this.#read(() => {
      const before =
        query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor);
      const rows = this.#s.list.all({ owner: query.owner ?? null, before, limit: query.limit + 1 });
      const { page, nextCursor } = pageOf(rows, query.limit, (row) => row.n);
      return {
        webhooks: page.map((row) => withoutSecret(endpointFromRow(row))),
        nextCursor,
      };
    });
  }

  updateEndpoint(
    id: string,
    patch: WebhookEndpointPatch,
  ): Promise<StoredWebhookEndpoint | undefined> {
    return this.#write(() => {
      const row = this.#s.byId.get(id);
      if (!row) return undefined;
      this.#s.update.run({
        id,
        url: patch.url ?? row.url,
        events: patch.events ?? row.events,
        description: patch.description === undefined ? row.description : patch.description,
        now: this.#now(),
      });
      return this.#get(id);
    });
  }

  rotateEndpointSecret(
    id: string,
    rotation: SecretRotation,
  ): Promise<StoredWebhookEndpoint | undefined> {
    return this.#write(() => {
      const changed = this.#s.rotate.run({
        id,
        secret: rotation.secret,
        until: rotation.previousUntil,
        now: this.#now(),
      }).changes;
      return changed > 0 ? this.#get(id) : undefined;
    });
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return this.#write(() => this.#s.remove.run(id).changes > 0);
  }

  #get(id: string): StoredWebhookEndpoint | undefined {
    const row = this.#s.byId.get(id);
    return row && endpointFromRow(row);
  }
}

function endpointFromRow(row: EndpointRow): StoredWebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    ...(row.description === null ? {} : { description: row.description }),
    ...(row.owner === null ? {} : { owner: row.owner }),
    ...(row.previous_until === null
      ? {}
      : { previousSecretExpiresAt: new Date(row.previous_until).toISOString() }),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    secret: row.secret,
  };
}
