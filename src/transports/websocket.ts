/**
 * Push: the WebSocket transport at /ws (protocol in docs/protocol.md).
 *
 * The server keeps a connection open to each client and sends job events and chat messages
 * the moment they happen. What makes push safe to run:
 * - before the upgrade completes, the Origin is checked (403), the caller authenticated when
 *   API keys are on (401; a key, or an access token since browsers cannot send headers), and
 *   connections per address and per key are capped (429); every client message is validated;
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
import type { Caller } from '../auth/caller.js';
import { AppError, isAppError } from '../model/errors/app-error.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../model/errors/catalogue.js';
import { pathOf, rawProblemResponse } from '../edge/problem.js';
import type { Guards } from '../edge/guards.js';
import type { App } from '../edge/app-type.js';
import type { Store } from '../store/store.js';
import { Connection, type ConnectionLimits, type ConnectionStats } from './websocket/connection.js';
import { Heartbeat } from './websocket/heartbeat.js';
import {
  webSocketMetrics,
  type WebSocketMetrics,
  type WebSocketView,
} from './websocket/metrics.js';
import { isOriginAllowed } from '../auth/origin-policy.js';
import { Presence } from '../jobs/presence.js';
import { pushPageRoutes } from './websocket/push-page.js';

export const WEBSOCKET_PATH = '/ws';

export type WebSocketOptions = ConnectionLimits;

export function webSocketOptions(options: ServerOptions): WebSocketOptions {
  return {
    heartbeatMs: options.wsHeartbeat,
    maxPayload: options.wsMaxPayload,
    highWaterMark: options.wsHighWaterMark,
    maxBuffered: options.wsMaxBuffered,
    maxHeld: options.wsMaxHeld,
    maxSubscriptions: options.wsMaxSubscriptions,
    publishRate: options.wsPublishRate,
  };
}

export interface WebSocketDependencies {
  store: Store;
  logger: Logger;
  /** Authentication, connection caps and the per-key publish limit, shared with HTTP. */
  guards: Guards;
}

export class WebSocketTransport {
  readonly #deps: WebSocketDependencies;
  readonly #options: WebSocketOptions;
  readonly #server: WebSocketServer;
  readonly #connections = new Set<Connection>();
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
    const path = pathOf(request.url ?? '/');
    if (path !== WEBSOCKET_PATH) {
      this.#reject(socket, request, 'not_found', `no WebSocket endpoint at ${path}`);
      return;
    }
    if (this.#state !== 'running') {
      this.#reject(socket, request, 'shutting_down', 'the server is shutting down');
      return;
    }
    const { origin, host } = request.headers;
    if (!isOriginAllowed(this.#deps.guards.origins, origin, host)) {
      const detail = `pages from ${origin ?? ''} may not open a WebSocket here`;
      this.#reject(socket, request, 'origin_not_allowed', detail);
      return;
    }
    const { guards } = this.#deps;
    let caller: Caller;
    let releaseSlot: () => void;
    try {
      caller = guards.auth.authenticate(request.headers, request.url, true);
      releaseSlot = guards.holdConnection(guards.clientAddress(request), caller.owner);
    } catch (error) {
      if (!isAppError(error)) throw error;
      this.#reject(socket, request, error.code, error.message);
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      this.#accept(ws, caller, releaseSlot);
    });
  }

  #accept(ws: WebSocket, caller: Caller, releaseSlot: () => void): void {
    const metrics = this.#metrics;
    if (!metrics) throw new Error('register() before accepting connections');
    const connection = new Connection(ws, {
      store: this.#deps.store,
      caller,
      keyPublishDelay: () => this.#deps.guards.publishDelay(caller.owner),
      presence: this.#presence,
      metrics,
      logger: this.#deps.logger,
      limits: this.#options,
      onClosed: (closed, reason) => {
        this.#connections.delete(closed);
        this.#heartbeat.delete(closed);
        releaseSlot();
        metrics.disconnected(reason);
      },
    });
    this.#connections.add(connection);
    this.#heartbeat.add(connection);
  }

  #reject(socket: Duplex, request: IncomingMessage, code: ErrorCode, detail: string): void {
    this.#metrics?.rejected(code);
    socket.on('error', () => socket.destroy());
    // The path only, as on HTTP: the query may carry the access token being refused.
    socket.end(rawProblemResponse(new AppError(code, detail), pathOf(request.url ?? '/')));
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
