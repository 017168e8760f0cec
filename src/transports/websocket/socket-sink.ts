import type { RawData, WebSocket } from 'ws';
import type { Sink } from './outbox.js';

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

  send(text: string, written?: () => void): void {
    if (written) this.#ws.send(text, written);
    else this.#ws.send(text);
  }
}

/** A text frame as a string, whichever of its shapes ws hands over. */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
