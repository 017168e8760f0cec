import { WebSocket, type RawData } from 'ws';
import { ERROR_CATALOGUE } from '../../model/errors/catalogue.js';
import type { WebSocketMetrics } from './metrics.js';
import type { Frame, OutboxHooks, Sink } from './outbox.js';
import { frameWriterOf, preparedFrame, type FrameWriter } from './prepared-frame.js';

/** Every frame the server sends is text, also when its payload is already encoded bytes. */
const TEXT = { binary: false } as const;

/** The connection, as far as its outbox needs it: to close it as a slow consumer. */
export interface SinkOwner {
  close(code: number, text: string, reason: 'slow_consumer'): void;
}

/**
 * The outbox's view of the socket, and its hooks: the metrics and, past the cap, the
 * connection's close. One object per connection instead of a hooks literal and a closure.
 * A class rather than an object literal with a getter: V8 gives every such literal a hidden
 * class of its own, which made the outbox's per-message read of `bufferedAmount` megamorphic
 * across a thousand connections (a generic property lookup per delivered message).
 */
export class SocketSink implements Sink, OutboxHooks {
  readonly #ws: WebSocket;
  readonly #owner: SinkOwner;
  readonly #metrics: WebSocketMetrics;
  /** Writes a shared payload's prepared frame (prepared-frame.ts); undefined: ws.send only. */
  readonly #writer: FrameWriter | undefined;

  constructor(ws: WebSocket, owner: SinkOwner, metrics: WebSocketMetrics) {
    this.#ws = ws;
    this.#owner = owner;
    this.#metrics = metrics;
    this.#writer = frameWriterOf(ws);
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(frame: Frame, written?: () => void): void {
    // A Buffer is a payload shared by every subscriber: framed once for all of them. A socket
    // that is closing goes through ws.send, which reports the write as failed.
    if (this.#writer && typeof frame !== 'string' && this.#ws.readyState === WebSocket.OPEN) {
      this.#writer.sendFrame(preparedFrame(frame), written);
    } else {
      this.#ws.send(frame, TEXT, written);
    }
  }

  onSent(bytes: number): void {
    this.#metrics.sent(bytes);
  }

  onConflated(): void {
    this.#metrics.conflated();
  }

  onDropped(): void {
    this.#metrics.dropped();
  }

  onOverflow(): void {
    this.#owner.close(ERROR_CATALOGUE.slow_consumer.wsCloseCode, 'slow consumer', 'slow_consumer');
  }
}

/** A text frame as a string, whichever of its shapes ws hands over. */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
