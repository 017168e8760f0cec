/**
 * What protects the server from its clients, in one bundle shared by HTTP routes and the
 * WebSocket transport: authentication, connection caps, and rate limits. Built from the
 * options once per server.
 */
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { AccessTokens } from '../auth/access-token.js';
import { ApiKeys } from '../auth/api-keys.js';
import type { ServerOptions } from '../config/options.js';
import { AppError } from '../model/errors/app-error.js';
import {
  LocalConnectionLimits,
  type ConnectionLimits,
  type Release,
} from '../limits/connection-limits.js';
import {
  memoryRateLimiter,
  type RateLimiter,
  type RateLimiterFactory,
} from '../limits/rate-limiter.js';
import { authenticator, type Authenticator } from '../auth/authenticator.js';
import { jwtVerifier } from '../config/jwt-options.js';
import { clientAddress, parseTrustedProxies, type ProxyTrust } from '../auth/client-address.js';
import { parseOriginList, type OriginPolicy } from '../auth/origin-policy.js';

export type LimitName = 'submit_per_key' | 'submit_per_ip' | 'publish_per_key' | 'connections';

export class Guards {
  readonly auth: Authenticator;
  /** Pages allowed to call the server (CORS) and open WebSockets. */
  readonly origins: OriginPolicy;
  /** Proxies whose X-Forwarded-For names the client (`--trust-proxy`); none when undefined. */
  readonly trustedProxies: ProxyTrust | undefined;
  readonly connections: ConnectionLimits;
  readonly #submitPerKey: RateLimiter;
  readonly #submitPerIp: RateLimiter;
  readonly #publishPerKey: RateLimiter;
  #limited: Counter<'limit'> | undefined;

  /**
   * `clock`: the deployment's clock, for access-token expiry (Redis's in Redis mode).
   * `rateLimiters`: where rates are counted — this process (default), or Redis in Redis mode so
   * a key's rate holds across gateways.
   * `connections`: where held connections are counted — this process (default), or Redis in
   * Redis mode so a cap holds across gateways.
   */
  constructor(
    options: ServerOptions,
    clock: () => number = Date.now,
    rateLimiters: RateLimiterFactory = memoryRateLimiter,
    connections?: ConnectionLimits,
  ) {
    this.auth = authenticator(
      ApiKeys.fromOptions(options.apiKeys, options.apiKeysFile),
      new AccessTokens(options.tokenSecret, options.tokenTtl, clock),
      ApiKeys.fromOptions(options.workerKeys, options.workerKeysFile, {
        inline: '--worker-keys',
        file: '--worker-keys-file',
      }),
      jwtVerifier(options, clock),
    );
    this.origins = { ...parseOriginList(options.origins), allowNull: options.allowNullOrigin };
    this.trustedProxies = parseTrustedProxies(options.trustProxy);
    this.connections =
      connections ??
      new LocalConnectionLimits({
        perIp: options.maxConnectionsPerIp,
        perKey: options.maxConnectionsPerKey,
      });
    this.#submitPerKey = rateLimiters('submit_per_key', options.submitRatePerKey);
    this.#submitPerIp = rateLimiters('submit_per_ip', options.submitRatePerIp);
    this.#publishPerKey = rateLimiters('publish_per_key', options.publishRatePerKey);
  }

  /** Counts refusals in /metrics as `limited_total{limit}`. */
  registerMetrics(registry: Registry): void {
    this.#limited = new Counter({
      name: 'limited_total',
      help: 'Requests and messages refused by a limit (submit_per_key, submit_per_ip, publish_per_key, connections).',
      labelNames: ['limit'] as const,
      registers: [registry],
    });
  }

  /** The client's address for a request Fastify does not see (the WebSocket upgrade). */
  clientAddress(request: IncomingMessage): string {
    return clientAddress(request, this.trustedProxies);
  }

  /** Rejects with rate_limited (with retryAfterMs) when this submit is over a limit. */
  async checkSubmit(request: FastifyRequest): Promise<void> {
    const owner = request.caller.owner;
    if (owner !== undefined) {
      await this.#check(this.#submitPerKey, owner, 'submit_per_key', 'API key');
    }
    await this.#check(this.#submitPerIp, request.ip, 'submit_per_ip', 'address');
  }

  /** 0 when a WebSocket publish by `owner` may go ahead, else the ms to wait. */
  async publishDelay(owner: string | undefined): Promise<number> {
    if (owner === undefined || !this.#publishPerKey.enabled) return 0;
    const wait = await this.#publishPerKey.take(owner);
    if (wait > 0) this.limited('publish_per_key');
    return wait;
  }

  /** Rejects with rate_limited (with retryAfterMs) when this HTTP publish is over the key's limit. */
  async checkPublish(request: FastifyRequest): Promise<void> {
    const owner = request.caller.owner;
    if (owner !== undefined) {
      await this.#check(this.#publishPerKey, owner, 'publish_per_key', 'API key', 'publishes');
    }
  }

  /** A held connection for `ip`/`owner`, or too_many_connections. */
  async holdConnection(ip: string, owner: string | undefined): Promise<Release> {
    try {
      return await this.connections.acquire(ip, owner);
    } catch (error) {
      this.limited('connections');
      throw error;
    }
  }

  limited(limit: LimitName): void {
    this.#limited?.inc({ limit });
  }

  async #check(
    limit: RateLimiter,
    key: string,
    name: LimitName,
    who: string,
    what = 'submits',
  ): Promise<void> {
    // A limit that is off costs no round trip to Redis.
    if (!limit.enabled) return;
    const retryAfterMs = await limit.take(key);
    if (retryAfterMs === 0) return;
    this.limited(name);
    throw new AppError('rate_limited', `too many ${what} from this ${who}; retry later`, {
      retryAfterMs,
    });
  }
}
