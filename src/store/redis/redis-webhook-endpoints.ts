/**
 * The Redis store's registered webhook endpoints (src/store/webhook-endpoints.ts) over
 * webhook-endpoint-scripts.ts: each write is one script, so an endpoint's hash and its
 * owner's set (which the change scripts read to fan events out) never disagree.
 */
import type { Redis } from 'ioredis';
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
import { hashFromList } from './codec.js';
import { defineScripts, guard } from './redis-commands.js';
import {
  ENDPOINT_CREATE_SCRIPT,
  ENDPOINT_DELETE_SCRIPT,
  ENDPOINT_ROTATE_SCRIPT,
  ENDPOINT_UPDATE_SCRIPT,
} from './webhook-endpoint-scripts.js';

declare module 'ioredis' {
  interface RedisCommander {
    bpEndpointCreate(...args: string[]): Promise<string[]>;
    bpEndpointUpdate(...args: string[]): Promise<string[]>;
    bpEndpointRotate(...args: string[]): Promise<string[]>;
    bpEndpointDelete(...args: string[]): Promise<number>;
  }
}

export class RedisWebhookEndpoints implements WebhookEndpointStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    const scripts = {
      bpEndpointCreate: ENDPOINT_CREATE_SCRIPT,
      bpEndpointUpdate: ENDPOINT_UPDATE_SCRIPT,
      bpEndpointRotate: ENDPOINT_ROTATE_SCRIPT,
      bpEndpointDelete: ENDPOINT_DELETE_SCRIPT,
    };
    defineScripts(redis, scripts);
  }

  createEndpoint(endpoint: NewWebhookEndpoint): Promise<StoredWebhookEndpoint> {
    return guard(
      this.#redis
        .bpEndpointCreate(
          this.#prefix,
          newJobId(),
          endpoint.owner ?? '',
          endpoint.url,
          endpoint.events,
          endpoint.description ?? '',
          endpoint.description === undefined ? '0' : '1',
          endpoint.secret,
        )
        .then(fromFields),
    ) as Promise<StoredWebhookEndpoint>;
  }

  getEndpoint(id: string): Promise<StoredWebhookEndpoint | undefined> {
    return guard(
      this.#redis.hgetall(this.#key(id)).then((hash) => (hash.id ? fromHash(hash) : undefined)),
    );
  }

  listEndpoints(query: WebhookEndpointQuery): Promise<WebhookEndpointPage> {
    return guard(this.#list(query));
  }

  async #list(query: WebhookEndpointQuery): Promise<WebhookEndpointPage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const set =
      query.owner === undefined
        ? `${this.#prefix}whe:none`
        : `${this.#prefix}whe:ow:${query.owner}`;
    const hits = await this.#redis.zrevrangebyscore(
      set,
      before === undefined ? '+inf' : `(${before}`,
      '-inf',
      'LIMIT',
      0,
      query.limit + 1,
    );
    const pipeline = this.#redis.pipeline();
    for (const id of hits) pipeline.hgetall(this.#key(id));
    const hashes = ((await pipeline.exec()) ?? []).map(
      ([error, hash]) => (error ? {} : hash) as Record<string, string>,
    );
    const rows = hashes.filter((hash) => hash.id !== undefined);
    const { page, nextCursor } = pageOf(rows, query.limit, (hash) => Number(hash.n));
    return {
      webhooks: page.map((hash) => withoutSecret(fromHash(hash))),
      nextCursor,
    };
  }

  updateEndpoint(
    id: string,
    patch: WebhookEndpointPatch,
  ): Promise<StoredWebhookEndpoint | undefined> {
    const description =
      patch.description === undefined ? 'keep' : patch.description === null ? 'remove' : 'set';
    return guard(
      this.#redis
        .bpEndpointUpdate(
          this.#prefix,
          id,
          patch.url ?? '',
          patch.events ?? '',
          description,
          patch.description ?? '',
        )
        .then(fromFields),
    );
  }

  rotateEndpointSecret(
    id: string,
    rotation: SecretRotation,
  ): Promise<StoredWebhookEndpoint | undefined> {
    return guard(
      this.#redis
        .bpEndpointRotate(
          this.#prefix,
          id,
          rotation.secret,
          String(Math.round(rotation.previousUntil)),
        )
        .then(fromFields),
    );
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return guard(this.#redis.bpEndpointDelete(this.#prefix, id).then((n) => n === 1));
  }

  #key(id: string): string {
    return `${this.#prefix}whe:${id}`;
  }
}

function fromFields(fields: string[]): StoredWebhookEndpoint | undefined {
  return fields.length === 0 ? undefined : fromHash(hashFromList(fields));
}

function fromHash(h: Record<string, string | undefined>): StoredWebhookEndpoint {
  const iso = (ms: string | undefined) => new Date(Number(ms)).toISOString();
  return {
    id: h.id ?? '',
    url: h.url ?? '',
    events: (h.events ?? 'terminal') as WebhookEventMode,
    ...(h.desc === undefined ? {} : { description: h.desc }),
    ...(h.owner ? { owner: h.owner } : {}),
    ...(h.pu === undefined ? {} : { previousSecretExpiresAt: iso(h.pu) }),
    createdAt: iso(h.created),
    updatedAt: iso(h.updated),
    secret: h.sec ?? '',
  };
}
