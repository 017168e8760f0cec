/**
 * This gateway's share of what gateways count together in Redis: the connections it holds
 * (for --max-connections-per-ip/-key) and the chat-room members it hosts, under a lease that
 * it renews every third of `leaseMs` (a PeriodicPass). A gateway that is killed stops renewing:
 * within one lease its connections and members stop counting, and its keys expire with it.
 * Key layout and scripts: gateway-scripts.ts.
 *
 * Each gateway also keeps its own share in memory, so that when Redis lost it — the lease
 * lapsed (Redis away, a stalled process) or a write failed — the next renewal writes it again
 * whole. While Redis cannot answer, caps and counts fall back to this gateway's own.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  Lifecycle,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';
import { PeriodicPass } from '../../lifecycle/periodic-pass.js';
import type { ConnectionLimitOptions } from '../../limits/connection-limits.js';
import { defineGatewayScripts, type GatewayContext } from './gateway-scripts.js';
import { RedisConnectionCounts } from './redis-connection-counts.js';
import { RedisPresence } from './redis-presence.js';

/**
 * A connection's admission waits on this at most: far above a script's time on a working
 * Redis, short enough that a frozen one costs a client a second, not a hang.
 */
const COMMAND_TIMEOUT_MS = 1000;

export interface RedisGatewayOptions {
  url: string;
  /** The deployment's key prefix (`--redis-prefix`); shares live under `<prefix>gw:`. */
  prefix: string;
  /** `--gateway-lease`. */
  leaseMs: number;
  connectionLimits: ConnectionLimitOptions;
  onConnectionError?: (error: Error) => void;
  /** A renewal that failed; the next one retries. */
  onRenewError?: (error: unknown) => void;
  onCloseError: StageErrorHandler;
}

export class RedisGateway {
  readonly #context: GatewayContext;
  readonly connections: RedisConnectionCounts;
  readonly presence: RedisPresence;
  readonly #renewal: PeriodicPass;
  readonly #lifecycle: Lifecycle;
  readonly #onRenewError: (error: unknown) => void;

  private constructor(redis: Redis, options: RedisGatewayOptions) {
    // 96 random bits: two gateways never share an id, even across restarts.
    const id = randomBytes(12).toString('base64url');
    this.#context = { redis, prefix: options.prefix, id, leaseMs: String(options.leaseMs) };
    this.connections = new RedisConnectionCounts(this.#context, options.connectionLimits);
    this.presence = new RedisPresence(this.#context);
    this.#onRenewError = options.onRenewError ?? (() => undefined);
    this.#renewal = new PeriodicPass({
      intervalMs: Math.max(100, Math.floor(options.leaseMs / 3)),
      run: () => this.#renew(),
      onCloseError: options.onCloseError,
    });
    this.#lifecycle = new Lifecycle(options.onCloseError);
  }

  /**
   * Connects and takes the lease before the gateway admits anyone. The connection queues no
   * commands while Redis is away, so a cap falls back to this gateway's count at once.
   */
  static async open(options: RedisGatewayOptions): Promise<RedisGateway> {
    const redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    redis.on('error', (error: Error) => options.onConnectionError?.(error));
    defineGatewayScripts(redis);
    await redis.connect();
    const gateway = new RedisGateway(redis, options);
    try {
      await gateway.#renew(true);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    gateway.#renewal.start();
    return gateway;
  }

  get id(): string {
    return this.#context.id;
  }

  /** Renews the lease now (tests); resolves once written. */
  renew(): Promise<void> {
    return this.#renewal.pass();
  }

  /** One renewal; writes this gateway's share again when Redis may have lost some of it. */
  async #renew(rethrow = false): Promise<void> {
    const { redis, prefix, id, leaseMs } = this.#context;
    try {
      const current = await redis.bpGatewayBeat(prefix, id, leaseMs, ...this.presence.rooms());
      if (current === 0 || this.connections.dirty) await this.connections.rewrite();
      if (current === 0 || this.presence.dirty) await this.presence.rewrite();
    } catch (error) {
      if (rethrow) throw error;
      this.#onRenewError(error);
    }
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Stops renewing, gives this gateway's share back at once (others need not wait for the lease). */
  close(): Promise<void> {
    const { redis, prefix, id } = this.#context;
    return this.#lifecycle.close(() => [
      { name: 'lease renewal', run: () => this.#renewal.close() },
      {
        name: 'share',
        run: async () => {
          await redis.bpGatewayLeave(prefix, id, ...this.presence.rooms());
        },
      },
      {
        name: 'connection',
        run: () =>
          redis.quit().then(
            () => undefined,
            () => {
              redis.disconnect();
            },
          ),
      },
    ]);
  }
}
