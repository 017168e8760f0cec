import type { RawData, WebSocket } from 'ws';
import type { Frame, Sink } from './outbox.js';

/** Every frame the server sends is text, also when its payload is already encoded bytes. */
const TEXT = { binary: false } as const;

/**
 * The outbox's view of the socket. A class rather than an object literal with a getter: V8
 * gives every such literal a hidden class of its own, which made the outbox's per-message
 * read of `bufferedAmount` megamorphic across a thousand connections (a generic property
 * lookup per delivered message).
 */
export class SocketSink implements Sink {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(frame: Frame, written?: () => void): void {
    this.#ws.send(frame, TEXT, written);
  }
}

/** A text frame as a string, whichever of its shapes ws hands over. */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
