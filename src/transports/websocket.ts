/**
 * Push: the WebSocket transport at /ws (the messages are in docs/protocol.md). The server keeps
 * one connection open per client and sends on it the moment something happens. Read it in order:
 *
 * 1. Connection. An upgrade that passed the gate (websocket/upgrade-gate.ts: path, draining,
 *    Origin, authentication, connection caps) becomes a Connection (websocket/transport.ts
 *    accepts it, tracks it and closes it at shutdown): a `welcome` with its limits, then every
 *    client message is validated. A bad one is answered with an `error` message; a fault closes
 *    this connection only (1011), never the process.
 * 2. Subscribe. `job:<id>`, `jobs` and `chat:<room>` are subscriptions through the job engine
 *    (websocket/subscription-set.ts): a job topic resumes after `after` with no gap (the
 *    engine's watch subscribes before it reads) and ends after the job's terminal event; chat
 *    messages fan out through the engine's topics.
 * 3. Heartbeat. One timer for all connections pings each once per interval; a connection that
 *    missed its pong is terminated and everything it held is released (websocket/heartbeat.ts).
 * 4. Backpressure. Every message goes through the connection's outbox (websocket/outbox.ts):
 *    below the high-water mark straight to the socket; above it job progress is conflated, chat
 *    waits for credits, and a client past the byte cap is closed as a slow consumer (4008).
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { Caller } from '../auth/caller.js';
import type { Guards } from '../edge/guards.js';
import type { JobEngine } from '../jobs/engine.js';
import { AppError } from '../model/errors/app-error.js';
import { ERROR_CATALOGUE } from '../model/errors/catalogue.js';
import { errorMessage, parseClientMessage, type ServerMessage } from '../model/ws-protocol.js';
import type { HeartbeatPeer } from './websocket/heartbeat.js';
import type { ConnectionStats, DisconnectReason, WebSocketMetrics } from './websocket/metrics.js';
import type { WebSocketOptions } from './websocket/options.js';
import { Outbox } from './websocket/outbox.js';
import { SocketSink, textOf } from './websocket/socket-sink.js';
import type { Subscription } from './websocket/subscription.js';
import { SubscriptionSet } from './websocket/subscription-set.js';

export { webSocketOptions, type WebSocketOptions } from './websocket/options.js';

/**
 * What every connection of a transport shares: one object for all of them, so an idle
 * connection holds a reference to it rather than a copy of its own.
 */
export interface ConnectionDeps {
  /** The only door to jobs, their events and the chat topics. */
  engine: JobEngine;
  logger: Logger;
  /** The per-key publish limit, shared with HTTP. */
  guards: Guards;
  metrics: WebSocketMetrics;
  options: WebSocketOptions;
  /** Called once per connection, when its socket has closed and everything it held is released. */
  onClosed(connection: Connection, reason: DisconnectReason): void;
}

/**
 * Each socket's Connection, for the listeners: ws calls a listener with the socket as `this`,
 * so one set of functions serves every connection (four closures and their context were
 * ~350 bytes of every idle connection's heap).
 */
const connectionOf = new WeakMap<WebSocket, Connection>();

export class Connection implements HeartbeatPeer {
  alive = true;
  readonly #ws: WebSocket;
  readonly #deps: ConnectionDeps;
  /** Who opened it (API keys on: the key's name). */
  readonly #caller: Caller;
  /** Frees its connection slot (the caps of its address and key). */
  readonly #releaseSlot: () => void;
  readonly #outbox: Outbox;
  /** Made by the first subscribe, unsubscribe or publish: most of an idle client's life has none. */
  #subscriptions: SubscriptionSet | undefined;
  #reason: DisconnectReason | undefined;
  #closed = false;
  /** Made when someone waits for the release (shutdown), not for every connection. */
  #released: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(ws: WebSocket, deps: ConnectionDeps, caller: Caller, releaseSlot: () => void) {
    this.#ws = ws;
    this.#deps = deps;
    this.#caller = caller;
    this.#releaseSlot = releaseSlot;
    const { options, metrics } = deps;
    // 4. Backpressure: everything this connection sends goes through its outbox. The sink is
    // also the outbox's hooks (metrics, and the slow-consumer close): one object, no closures.
    const sink = new SocketSink(ws, this, metrics);
    this.#outbox = new Outbox(sink, options, sink);
    // The same four listener functions for every connection, not four closures each.
    connectionOf.set(ws, this);
    ws.on('message', Connection.#onMessageEvent);
    ws.on('pong', Connection.#onPong);
    ws.on('error', Connection.#onError);
    ws.on('close', Connection.#onClose);
    this.#send({
      type: 'welcome',
      heartbeatMs: options.heartbeatMs,
      maxPayload: options.maxPayload,
      maxSubscriptions: options.maxSubscriptions,
      publishPerSecond: options.publishRate,
    });
  }

  /** Resolves once the socket has closed and everything it held is released. */
  get released(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#released) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#released = { promise, resolve };
    }
    return this.#released.promise;
  }

  static #onMessageEvent(this: WebSocket, data: RawData, isBinary: boolean): void {
    const connection = connectionOf.get(this);
    if (connection) connection.#onMessage(data, isBinary);
  }

  // 3. Heartbeat: a pong proves the peer is alive until the next ping.
  static #onPong(this: WebSocket): void {
    const connection = connectionOf.get(this);
    if (connection) connection.alive = true;
  }

  static #onError(this: WebSocket, error: Error & { code?: string }): void {
    const connection = connectionOf.get(this);
    if (!connection) return;
    // ws closes the socket itself after an error (1009 for maxPayload, 1002/1007 for bad frames).
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      connection.#reason ??= 'message_too_large';
    }
    connection.#deps.logger.debug({ err: error }, 'websocket error');
  }

  static #onClose(this: WebSocket): void {
    const connection = connectionOf.get(this);
    if (connection) connection.#release();
  }

  // 1. Connection: every client message is validated; a fault closes this connection only.
  #onMessage(data: RawData, isBinary: boolean): void {
    try {
      if (isBinary) {
        const detail = 'binary messages are not part of the protocol';
        this.#send(errorMessage(new AppError('invalid_message', detail)));
        return;
      }
      const parsed = parseClientMessage(textOf(data));
      if (!parsed.ok) {
        this.#send(errorMessage(parsed.error, { id: parsed.id }));
        return;
      }
      // 2. Subscribe (and publish); credits belong to 4. Backpressure.
      const message = parsed.message;
      if (message.type === 'subscribe') this.#topics().subscribe(message);
      else if (message.type === 'unsubscribe') this.#topics().unsubscribe(message);
      else if (message.type === 'publish') this.#topics().publish(message);
      else this.#outbox.grant(message.n);
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'websocket message handling failed');
      this.close(ERROR_CATALOGUE.internal_error.wsCloseCode, 'internal error', 'internal_error');
    }
  }

  // 3. Heartbeat: a protocol ping for liveness, plus a `heartbeat` message browser code can see.
  ping(): void {
    this.#ws.ping();
    // A client that is still being sent data will know the server is alive from that.
    if (this.#outbox.idle) this.#send({ type: 'heartbeat', at: new Date().toISOString() });
  }

  timeOut(): void {
    this.#reason ??= 'heartbeat_timeout';
    this.#ws.terminate();
  }

  // 4. Backpressure: a message to the outbox, which decides when it reaches the socket.
  #send(message: ServerMessage): void {
    this.#outbox.push(JSON.stringify(message));
  }

  /** Starts the closing handshake; `reason` is what metrics record. */
  close(code: number, text: string, reason: DisconnectReason): void {
    this.#reason ??= reason;
    this.#outbox.close();
    this.#ws.close(code, text);
  }

  /** Drops the connection at once (the shutdown deadline passed). */
  terminate(): void {
    this.#ws.terminate();
  }

  get bufferedBytes(): number {
    return this.#outbox.bufferedBytes;
  }

  stats(): ConnectionStats {
    const topics = this.#subscriptions?.topics ?? [];
    return {
      subscriptions: topics,
      names: topics.flatMap((t) => this.#deps.engine.topics.nameOf(t, this) ?? []),
      bufferedBytes: this.#outbox.bufferedBytes,
      peakBufferedBytes: this.#outbox.peakBytes,
      held: this.#outbox.heldCount,
      credits: this.#outbox.credits,
      closing: this.#reason,
    };
  }

  /** Adds this connection's subscriptions to `into`, by kind (metrics). */
  countSubscriptions(into: Record<Subscription['kind'], number>): void {
    this.#subscriptions?.count(into);
  }

  // 2. Subscribe: the topics this connection holds, through the engine.
  #topics(): SubscriptionSet {
    if (this.#subscriptions) return this.#subscriptions;
    const { engine, logger, guards, options } = this.#deps;
    const owner = this.#caller.owner;
    this.#subscriptions = new SubscriptionSet({
      engine,
      logger,
      caller: this.#caller,
      outbox: this.#outbox,
      maxSubscriptions: options.maxSubscriptions,
      publishRate: options.publishRate,
      keyPublishDelay: () => guards.publishDelay(owner),
      member: this,
    });
    return this.#subscriptions;
  }

  #release(): void {
    this.#closed = true;
    this.#subscriptions?.closeAll();
    this.#outbox.close();
    this.#releaseSlot();
    this.#deps.onClosed(this, this.#reason ?? 'client');
    this.#released?.resolve();
  }
}
