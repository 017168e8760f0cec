/**
 * Push: the WebSocket transport at /ws (protocol in docs/protocol.md).
 *
 * The server keeps a connection open to each client and sends job events and chat messages
 * the moment they happen. What makes push safe to run:
 * - the Origin is checked before the upgrade completes (403 otherwise), connections per
 *   client address are limited (429), and every client message is validated;
 * - one heartbeat timer for all connections pings them; a peer that misses its pong is
 *   terminated and everything it held is released (heartbeat.ts);
 * - every connection sends through an outbox that conflates job progress, honours credits for
 *   message topics, and closes a client that falls more than a cap behind (outbox.ts);
 * - job topics are adapters over the job feed: resume after a seq with no gap (job-feed.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerOptions } from '../config/options.js';
import { AppError } from '../errors/app-error.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.js';
import { rawProblemResponse } from '../http/problem.js';
import type { App } from '../http/types.js';
import type { Store } from '../store/store.js';
import { Connection, type ConnectionLimits, type ConnectionStats } from './websocket/connection.js';
import { Heartbeat } from './websocket/heartbeat.js';
import {
  webSocketMetrics,
  type WebSocketMetrics,
  type WebSocketView,
} from './websocket/metrics.js';
import { isOriginAllowed, parseOriginList, type OriginPolicy } from './websocket/origin-policy.js';
import { Presence } from './websocket/presence.js';
import { pushPageRoutes } from './websocket/push-page.js';

export const WEBSOCKET_PATH = '/ws';

export interface WebSocketOptions extends ConnectionLimits {
  maxConnectionsPerIp: number;
  origins: OriginPolicy;
}

export function webSocketOptions(options: ServerOptions): WebSocketOptions {
  return {
    heartbeatMs: options.wsHeartbeat,
    maxPayload: options.wsMaxPayload,
    highWaterMark: options.wsHighWaterMark,
    maxBuffered: options.wsMaxBuffered,
    maxHeld: options.wsMaxHeld,
    maxSubscriptions: options.wsMaxSubscriptions,
    publishRate: options.wsPublishRate,
    maxConnectionsPerIp: options.wsMaxConnectionsPerIp,
    origins: { ...parseOriginList(options.wsOrigins), allowNull: options.wsAllowNullOrigin },
  };
}

export interface WebSocketDependencies {
  store: Store;
  logger: Logger;
}

export class WebSocketTransport {
  readonly #deps: WebSocketDependencies;
  readonly #options: WebSocketOptions;
  readonly #server: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #perAddress = new Map<string, number>();
  readonly #presence = new Presence();
  readonly #heartbeat: Heartbeat;
  #metrics: WebSocketMetrics | undefined;
  #state: 'running' | 'closing' = 'running';
  #closing: Promise<void> | undefined;

  constructor(deps: WebSocketDependencies, options: WebSocketOptions) {
    this.#deps = deps;
    this.#options = options;
    // noServer: the upgrade listener below decides first (path, state, Origin, limits).
    this.#server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
    });
    this.#heartbeat = new Heartbeat(options.heartbeatMs);
    // A malformed handshake (method, Upgrade, key, version, subprotocols): ws would answer it
    // with a bare text/html error; answer it as a problem document like every other refusal.
    this.#server.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
      this.#reject(
        socket,
        request,
        'invalid_request',
        `invalid WebSocket upgrade: ${error.message}`,
      );
    });
  }

  /** Serves /ws on the app's HTTP server, with metrics on `registry`, and the /push/ page. */
  register(app: App, registry: Registry): void {
    this.#metrics = webSocketMetrics(registry, () => this.#view());
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.#onUpgrade(request, socket, head);
      } catch (error) {
        // An emitter listener that throws would take the process down; this socket is enough.
        this.#deps.logger.error({ err: error }, 'websocket upgrade failed');
        socket.destroy();
      }
    });
    pushPageRoutes(app);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Per-connection figures, for demos and tests. */
  stats(): ConnectionStats[] {
    return [...this.#connections].map((connection) => connection.stats());
  }

  /**
   * Refuses new upgrades, closes every connection with 1001 (going away), waits up to `graceMs`
   * for the closing handshakes, then terminates the rest. Resolves when all are released.
   */
  close(graceMs = 1000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.#state = 'closing';
    this.#heartbeat.close();
    const connections = [...this.#connections];
    const code = ERROR_CATALOGUE.shutting_down.wsCloseCode;
    for (const connection of connections) {
      connection.close(code, 'server shutting down', 'shutdown');
    }
    const all = Promise.all(connections.map((c) => c.released));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([all, deadline]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.terminate();
    await all;
    this.#server.close();
  }

  #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== WEBSOCKET_PATH) {
      this.#reject(socket, request, 'not_found', `no WebSocket endpoint at ${path ?? '/'}`);
      return;
    }
    if (this.#state !== 'running') {
      this.#reject(socket, request, 'shutting_down', 'the server is shutting down');
      return;
    }
    const { origin, host } = request.headers;
    if (!isOriginAllowed(this.#options.origins, origin, host)) {
      const detail = `pages from ${origin ?? ''} may not open a WebSocket here`;
      this.#reject(socket, request, 'origin_not_allowed', detail);
      return;
    }
    const address = request.socket.remoteAddress ?? 'unknown';
    const held = this.#perAddress.get(address) ?? 0;
    if (held >= this.#options.maxConnectionsPerIp) {
      const detail = `this address already holds ${held} WebSocket connections`;
      this.#reject(socket, request, 'too_many_connections', detail);
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      this.#accept(ws, address);
    });
  }

  #accept(ws: WebSocket, address: string): void {
    const metrics = this.#metrics;
    if (!metrics) throw new Error('register() before accepting connections');
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    const connection = new Connection(ws, {
      store: this.#deps.store,
      presence: this.#presence,
      metrics,
      logger: this.#deps.logger,
      limits: this.#options,
      onClosed: (closed, reason) => {
        this.#connections.delete(closed);
        this.#heartbeat.delete(closed);
        const left = (this.#perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.#perAddress.delete(address);
        else this.#perAddress.set(address, left);
        metrics.disconnected(reason);
      },
    });
    this.#connections.add(connection);
    this.#heartbeat.add(connection);
  }

  #reject(socket: Duplex, request: IncomingMessage, code: ErrorCode, detail: string): void {
    this.#metrics?.rejected(code);
    socket.on('error', () => socket.destroy());
    socket.end(rawProblemResponse(new AppError(code, detail), request.url));
  }

  #view(): WebSocketView {
    const subscriptions = { job: 0, jobs: 0, chat: 0 };
    let bufferedBytes = 0;
    for (const connection of this.#connections) {
      connection.countSubscriptions(subscriptions);
      bufferedBytes += connection.stats().bufferedBytes;
    }
    return { connections: this.#connections.size, subscriptions, bufferedBytes };
  }
}
