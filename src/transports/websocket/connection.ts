/**
 * One WebSocket client: validates what it sends, keeps its subscriptions, and sends through its
 * outbox (backpressure). Whatever a client sends, the answer is a message or a documented close
 * code; an unexpected fault closes this connection with 1011 and never reaches the process.
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { AppError } from '../../model/errors/app-error.js';
import { ERROR_CATALOGUE } from '../../model/errors/catalogue.js';
import type { Caller } from '../../auth/caller.js';
import type { Store } from '../../store/store.js';
import { publishChat } from './chat-subscription.js';
import type { HeartbeatPeer } from './heartbeat.js';
import type { DisconnectReason, WebSocketMetrics } from './metrics.js';
import { Outbox, type OutboxLimits, type Sink } from './outbox.js';
import type { Presence } from '../../jobs/presence.js';
import {
  errorMessage,
  parseClientMessage,
  parseTopic,
  type ClientMessage,
  type ServerMessage,
} from '../../model/ws-protocol.js';
import { asClientError } from './as-client-error.js';
import type { Subscription } from './subscription.js';
import { SubscriptionSet } from './subscription-set.js';
import { TokenBucket } from '../../limits/token-bucket.js';

export interface ConnectionLimits extends OutboxLimits {
  heartbeatMs: number;
  maxPayload: number;
  maxSubscriptions: number;
  publishRate: number;
}

export interface ConnectionDeps {
  store: Store;
  /** Who opened it (API keys on: the key's name). */
  caller: Caller;
  /** The per-key publish limit: 0 to go ahead, else the ms to wait. */
  keyPublishDelay(): number;
  presence: Presence;
  metrics: WebSocketMetrics;
  logger: Logger;
  limits: ConnectionLimits;
  /** Called once, when the socket has closed and everything it held is released. */
  onClosed(connection: Connection, reason: DisconnectReason): void;
}

export interface ConnectionStats {
  subscriptions: string[];
  /** Names it announced in chat rooms. */
  names: string[];
  bufferedBytes: number;
  peakBufferedBytes: number;
  held: number;
  credits: number | undefined;
  /** Why the server is closing it, while the closing handshake runs. */
  closing: DisconnectReason | undefined;
}

export class Connection implements HeartbeatPeer {
  alive = true;
  readonly #ws: WebSocket;
  readonly #deps: ConnectionDeps;
  readonly #outbox: Outbox;
  readonly #subscriptions: SubscriptionSet;
  readonly #publishes: TokenBucket;
  #reason: DisconnectReason | undefined;
  #resolveReleased!: () => void;
  /** Resolves once the socket has closed and everything it held is released. */
  readonly released = new Promise<void>((resolve) => (this.#resolveReleased = resolve));

  constructor(ws: WebSocket, deps: ConnectionDeps) {
    this.#ws = ws;
    this.#deps = deps;
    const { limits, metrics } = deps;
    this.#publishes = new TokenBucket(limits.publishRate);
    this.#outbox = new Outbox(new SocketSink(ws), limits, {
      onSent: metrics.sent,
      onConflated: metrics.conflated,
      onDropped: metrics.dropped,
      onOverflow: () => {
        this.close(ERROR_CATALOGUE.slow_consumer.wsCloseCode, 'slow consumer', 'slow_consumer');
      },
    });
    this.#subscriptions = new SubscriptionSet({
      ...deps,
      outbox: this.#outbox,
      maxSubscriptions: limits.maxSubscriptions,
      member: this,
      admitPublish: () => this.#admitPublish(),
    });
    ws.on('message', (data, isBinary) => {
      this.#onMessage(data, isBinary);
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself after an error (1009 for maxPayload, 1002/1007 for bad frames).
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#reason ??= 'message_too_large';
      deps.logger.debug({ err: error }, 'websocket error');
    });
    ws.on('close', () => {
      this.#release();
    });
    this.#send({
      type: 'welcome',
      heartbeatMs: limits.heartbeatMs,
      maxPayload: limits.maxPayload,
      maxSubscriptions: limits.maxSubscriptions,
      publishPerSecond: limits.publishRate,
    });
  }

  /** Protocol ping for liveness, plus a `heartbeat` message that browser code can see. */
  ping(): void {
    this.#ws.ping();
    // A client that is still being sent data will know the server is alive from that.
    if (this.#outbox.idle) this.#send({ type: 'heartbeat', at: new Date().toISOString() });
  }

  timeOut(): void {
    this.#reason ??= 'heartbeat_timeout';
    this.#ws.terminate();
  }

  /** Starts the closing handshake; `reason` is what metrics record. */
  close(code: number, text: string, reason: DisconnectReason): void {
    this.#reason ??= reason;
    this.#outbox.close();
    this.#ws.close(code, text);
  }

  /** Drops the connection at once (shutdown deadline passed). */
  terminate(): void {
    this.#ws.terminate();
  }

  get bufferedBytes(): number {
    return this.#outbox.bufferedBytes;
  }

  stats(): ConnectionStats {
    const topics = this.#subscriptions.topics;
    return {
      subscriptions: topics,
      names: topics.flatMap((t) => this.#deps.presence.nameOf(t, this) ?? []),
      bufferedBytes: this.#outbox.bufferedBytes,
      peakBufferedBytes: this.#outbox.peakBytes,
      held: this.#outbox.heldCount,
      credits: this.#outbox.credits,
      closing: this.#reason,
    };
  }

  /** Adds this connection's subscriptions to `into`, by kind (metrics). */
  countSubscriptions(into: Record<Subscription['kind'], number>): void {
    this.#subscriptions.count(into);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    try {
      if (isBinary) {
        const detail = 'binary messages are not part of the protocol';
        this.#send(errorMessage(new AppError('invalid_message', detail)));
        return;
      }
      const parsed = parseClientMessage(textOf(data));
      if (parsed.ok) this.#handle(parsed.message);
      else this.#send(errorMessage(parsed.error, { id: parsed.id }));
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'websocket message handling failed');
      this.close(ERROR_CATALOGUE.internal_error.wsCloseCode, 'internal error', 'internal_error');
    }
  }

  #handle(message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe':
        this.#subscriptions.subscribe(message);
        return;
      case 'unsubscribe':
        this.#subscriptions.unsubscribe(message);
        return;
      case 'publish':
        this.#publish(message);
        return;
      case 'credit':
        this.#outbox.grant(message.n);
        return;
    }
  }

  #publish({ topic: text, data, id }: Extract<ClientMessage, { type: 'publish' }>): void {
    const topic = parseTopic(text);
    if (topic instanceof AppError) {
      this.#send(errorMessage(topic, { id, topic: text }));
      return;
    }
    const about = { id, topic: topic.topic };
    if (topic.kind !== 'chat') {
      const detail = `${topic.topic} is written by the server; publish to chat:<room> topics`;
      this.#send(errorMessage(new AppError('publish_not_allowed', detail), about));
      return;
    }
    const limited = this.#admitPublish();
    if (limited) {
      this.#send(errorMessage(limited, about));
      return;
    }
    publishChat(this.#deps.store, topic.topic, data).then(
      () => {
        if (id !== undefined) this.#send({ type: 'published', topic: topic.topic, id });
      },
      (error: unknown) => {
        const reported = asClientError(error, this.#deps.logger, 'websocket publish failed');
        this.#send(errorMessage(reported, about));
      },
    );
  }

  #admitPublish(): AppError | undefined {
    const retryAfterMs = this.#publishes.take();
    if (retryAfterMs > 0) {
      const detail = `at most ${this.#deps.limits.publishRate} publishes (or joins) a second`;
      return new AppError('rate_limited', detail, { retryAfterMs });
    }
    const keyWait = this.#deps.keyPublishDelay();
    if (keyWait > 0) {
      const detail = 'too many publishes from this API key (--publish-rate-per-key)';
      return new AppError('rate_limited', detail, { retryAfterMs: keyWait });
    }
    return undefined;
  }

  #send(message: ServerMessage, key?: string): void {
    this.#outbox.push(JSON.stringify(message), key);
  }

  #release(): void {
    this.#subscriptions.closeAll();
    this.#outbox.close();
    this.#deps.onClosed(this, this.#reason ?? 'client');
    this.#resolveReleased();
  }
}

/**
 * The outbox's view of the socket. A class rather than an object literal with a getter: V8
 * gives every such literal a hidden class of its own, which made the outbox's per-message
 * read of `bufferedAmount` megamorphic across a thousand connections (a generic property
 * lookup per delivered message).
 */
class SocketSink implements Sink {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(text: string, written?: () => void): void {
    if (written) this.#ws.send(text, written);
    else this.#ws.send(text);
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
