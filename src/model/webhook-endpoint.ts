/**
 * A registered webhook endpoint (`/webhooks`): a URL that an API key's jobs are reported to
 * without each submit naming it, signed with the endpoint's own `whsec_` secret. Shared by the
 * server, the SDK and the dashboard (types only).
 */
import type { WebhookEventMode } from './webhook.js';

export interface WebhookEndpoint {
  /** A lowercase UUID v4. */
  id: string;
  url: string;
  /** Which events of each job it is sent: `terminal` (succeeded, failed, canceled) or `all`. */
  events: WebhookEventMode;
  description?: string;
  /** With API keys on: the key that registered it; it hears about that key's jobs only. */
  owner?: string;
  /**
   * After a rotation: until when the previous secret still signs too (every delivery carries
   * one signature per valid secret), so receivers can move to the new one without a gap.
   */
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** The answer of create and rotate-secret: the only times the secret is shown. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  /** `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
  secret: string;
}

export interface WebhookEndpointPage {
  webhooks: WebhookEndpoint[];
  nextCursor: string | null;
}

/** What PATCH may change; `description: null` removes it. */
export interface WebhookEndpointPatch {
  url?: string;
  events?: WebhookEventMode;
  description?: string | null;
}
