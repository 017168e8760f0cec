/**
 * Registered webhook endpoints through the engine (`engine.webhookEndpoints`): create, list,
 * read, update, delete and rotate the secret, on behalf of a caller — another owner's endpoint
 * looks like a missing one, as jobs and schedules do. Each endpoint has its own `whsec_`
 * secret, shown on create and on rotation only. The caller (the route) checks URLs against
 * the SSRF policy first, as it does for a submit's webhook.
 */
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import type {
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
} from '../model/webhook-endpoint.js';
import type { WebhookEventMode } from '../model/webhook.js';
import {
  withoutSecret,
  type StoredWebhookEndpoint,
  type WebhookEndpointStore,
} from '../store/webhook-endpoints.js';
import { newWebhookSecret } from './webhook-secret.js';

/** Each owner's endpoints, at most: every event of its jobs is recorded once per endpoint. */
export const MAX_ENDPOINTS_PER_OWNER = 20;
/** How long the replaced secret keeps signing after a rotation unless asked otherwise. */
export const DEFAULT_ROTATION_OVERLAP_S = 24 * 60 * 60;

export interface NewEndpointRequest {
  url: string;
  events?: WebhookEventMode;
  description?: string;
}

export class WebhookEndpoints {
  readonly #store: WebhookEndpointStore;
  readonly #clock: () => number;

  constructor(store: WebhookEndpointStore, clock: () => number) {
    this.#store = store;
    this.#clock = clock;
  }

  async create(
    request: NewEndpointRequest,
    caller: Caller = ANONYMOUS,
  ): Promise<WebhookEndpointWithSecret> {
    const { owner } = caller;
    const existing = await this.#store.listEndpoints({ owner, limit: MAX_ENDPOINTS_PER_OWNER });
    if (existing.webhooks.length >= MAX_ENDPOINTS_PER_OWNER) {
      throw new AppError(
        'too_many_webhook_endpoints',
        `at most ${MAX_ENDPOINTS_PER_OWNER} webhook endpoints per API key; delete one first`,
      );
    }
    return this.#store.createEndpoint({
      url: request.url,
      events: request.events ?? 'terminal',
      ...(request.description !== undefined && { description: request.description }),
      ...(owner !== undefined && { owner }),
      secret: newWebhookSecret(),
    });
  }

  /** The caller's endpoints, newest first. */
  list(
    query: { limit: number; cursor?: string },
    caller: Caller = ANONYMOUS,
  ): Promise<WebhookEndpointPage> {
    return this.#store.listEndpoints({ ...query, owner: caller.owner });
  }

  /** The endpoint without its secret; `webhook_endpoint_not_found` also for another owner's. */
  async get(id: string, caller: Caller = ANONYMOUS): Promise<WebhookEndpoint> {
    return withoutSecret(await this.#owned(id, caller));
  }

  async update(
    id: string,
    patch: WebhookEndpointPatch,
    caller: Caller = ANONYMOUS,
  ): Promise<WebhookEndpoint> {
    await this.#owned(id, caller);
    return withoutSecret((await this.#store.updateEndpoint(id, patch)) ?? throwNotFound(id));
  }

  /**
   * A new secret signs from now on; the replaced one also signs for `overlapSeconds` (every
   * delivery then carries both signatures), so receivers switch without rejecting any.
   */
  async rotateSecret(
    id: string,
    overlapSeconds = DEFAULT_ROTATION_OVERLAP_S,
    caller: Caller = ANONYMOUS,
  ): Promise<WebhookEndpointWithSecret> {
    await this.#owned(id, caller);
    const previousUntil = overlapSeconds > 0 ? this.#clock() + overlapSeconds * 1000 : 0;
    const rotated = await this.#store.rotateEndpointSecret(id, {
      secret: newWebhookSecret(),
      previousUntil,
    });
    return rotated ?? throwNotFound(id);
  }

  /** No event is recorded for it from now on; deliveries already pending end dead. */
  async delete(id: string, caller: Caller = ANONYMOUS): Promise<void> {
    await this.#owned(id, caller);
    if (!(await this.#store.deleteEndpoint(id))) throw notFound(id);
  }

  async #owned(id: string, caller: Caller): Promise<StoredWebhookEndpoint> {
    const endpoint = await this.#store.getEndpoint(id);
    if (!endpoint || endpoint.owner !== caller.owner) throw notFound(id);
    return endpoint;
  }
}

function notFound(id: string): AppError {
  return new AppError('webhook_endpoint_not_found', `no webhook endpoint has id ${id}`);
}

function throwNotFound(id: string): never {
  throw notFound(id);
}
