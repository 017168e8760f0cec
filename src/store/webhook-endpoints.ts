/**
 * Registered webhook endpoints in the store. The outbox (webhook-outbox.ts) reads them inside
 * every change's atomic write: each event of a job is recorded for delivery to every endpoint
 * its owner had registered at that moment (events matching), beside the submit's own webhook.
 * Secrets are kept here and handed to the delivery loop with each claimed delivery, so a
 * rotation also signs the retries of deliveries recorded before it.
 */
import type {
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointPatch,
} from '../model/webhook-endpoint.js';
import type { WebhookEventMode } from '../model/webhook.js';

export interface NewWebhookEndpoint {
  url: string;
  events: WebhookEventMode;
  description?: string;
  owner?: string;
  secret: string;
}

/** An endpoint as the engine sees it: with its owner and secrets. Times are ms. */
export interface StoredWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export interface WebhookEndpointQuery {
  /** Only this owner's endpoints; undefined: those registered without an owner (keys off). */
  owner?: string;
  /** 1–100. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface SecretRotation {
  secret: string;
  /** Until when (ms) the secret being replaced keeps signing too; 0: not at all. */
  previousUntil: number;
}

export interface WebhookEndpointStore {
  createEndpoint(endpoint: NewWebhookEndpoint): Promise<StoredWebhookEndpoint>;
  getEndpoint(id: string): Promise<StoredWebhookEndpoint | undefined>;
  /** Newest first; exactly the endpoints of `query.owner` (undefined owner: ownerless ones). */
  listEndpoints(query: WebhookEndpointQuery): Promise<WebhookEndpointPage>;
  /** Undefined when no endpoint has this id. Deliveries already recorded keep their URL. */
  updateEndpoint(
    id: string,
    patch: WebhookEndpointPatch,
  ): Promise<StoredWebhookEndpoint | undefined>;
  /** The new secret signs from now on; the old one, too, until `previousUntil`. */
  rotateEndpointSecret(
    id: string,
    rotation: SecretRotation,
  ): Promise<StoredWebhookEndpoint | undefined>;
  /**
   * False when no endpoint has this id. No event is recorded for it from then on; its pending
   * deliveries end dead when next claimed (no secret to sign them with).
   */
  deleteEndpoint(id: string): Promise<boolean>;
}

/** What a reader other than the delivery loop is shown: everything but the secret. */
export function withoutSecret(endpoint: StoredWebhookEndpoint): WebhookEndpoint {
  const shown: WebhookEndpoint & { secret?: string } = { ...endpoint };
  delete shown.secret;
  return shown;
}
