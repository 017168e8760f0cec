/**
 * `client.webhooks`: registered webhook endpoints (`/webhooks`), owned by the client's API key.
 * `create` and `rotateSecret` are the only answers that carry the endpoint's `whsec_` secret;
 * keep it where the receiver can verify with it (docs/webhooks.md).
 */
import type {
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
} from '../model/webhook-endpoint.js';
import type { WebhookEventMode } from '../model/webhook.js';
import type { HttpRequest } from './http.js';
import { pagePath } from './page-query.js';

type Signal = { signal?: AbortSignal };

export interface WebhooksApi {
  /** Registers `url` for every job of this key from now on; `events` defaults to `terminal`. */
  create(
    endpoint: { url: string; events?: WebhookEventMode; description?: string },
    options?: Signal,
  ): Promise<WebhookEndpointWithSecret>;
  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  list(options?: Signal & { limit?: number; cursor?: string }): Promise<WebhookEndpointPage>;
  get(id: string, options?: Signal): Promise<WebhookEndpoint>;
  /** `description: null` removes it. */
  update(id: string, patch: WebhookEndpointPatch, options?: Signal): Promise<WebhookEndpoint>;
  delete(id: string, options?: Signal): Promise<void>;
  /** A new secret; the old one keeps signing for `overlapSeconds` (server default 24 h). */
  rotateSecret(
    id: string,
    options?: Signal & { overlapSeconds?: number },
  ): Promise<WebhookEndpointWithSecret>;
}

export function webhooksApi(body: <T>(request: HttpRequest) => Promise<T>): WebhooksApi {
  const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;
  return {
    create: (endpoint, { signal } = {}) =>
      body({ method: 'POST', path: '/webhooks', body: endpoint, signal }),
    list: ({ signal, ...page } = {}) => body({ path: pagePath('/webhooks', page), signal }),
    get: (id, { signal } = {}) => body({ path: path(id), signal }),
    update: (id, patch, { signal } = {}) =>
      body({ method: 'PATCH', path: path(id), body: patch, signal }),
    delete: async (id, { signal } = {}) => {
      await body({ method: 'DELETE', path: path(id), signal });
    },
    rotateSecret: (id, { signal, overlapSeconds } = {}) =>
      body({
        method: 'POST',
        path: `${path(id)}/rotate-secret`,
        body: overlapSeconds === undefined ? {} : { overlapSeconds },
        signal,
      }),
  };
}
