/**
 * Writes a watch's WireEntry records (types.ts) for one transport: `request()` opens an
 * exchange, whose answer, messages and close are then recorded against it. With no listener
 * it records nothing, so a watch that does not ask pays nothing.
 */
import type { TransportName, WireEntry } from './types.js';

export type WireListener = (entry: WireEntry) => void;

export interface Exchange {
  answered(
    status: number,
    bytes: number,
    extra?: { news?: boolean; retryAfterS?: number; changedAt?: string; seq?: number },
  ): void;
  message(what: string, bytes: number, change?: { seq: number; at: string }): void;
  closed(reason: string): void;
}

/** What one transport records through. */
export interface TransportWire {
  request(path: string): Exchange;
}

/** Shared by a watch's transports, so exchange numbers do not repeat under `auto`. */
export class WireLog {
  readonly #listener: WireListener | undefined;
  #exchanges = 0;

  constructor(listener?: WireListener) {
    this.#listener = listener;
  }

  for(transport: TransportName): TransportWire {
    return { request: (path) => this.#request(transport, path) };
  }

  #request(transport: TransportName, path: string): Exchange {
    const listener = this.#listener;
    if (!listener) return SILENT;
    const exchange = ++this.#exchanges;
    const sentAt = Date.now();
    let open = true;
    const emit = (entry: WireEntry) => {
      listener(entry);
    };
    emit({ kind: 'request', transport, exchange, at: sentAt, path });
    return {
      answered(status, bytes, extra = {}) {
        const at = Date.now();
        emit({
          kind: 'response',
          transport,
          exchange,
          at,
          status,
          bytes,
          waitedMs: at - sentAt,
          news: extra.news ?? false,
          ...(extra.retryAfterS === undefined ? {} : { retryAfterS: extra.retryAfterS }),
          ...(extra.seq === undefined ? {} : { seq: extra.seq }),
          ...(extra.changedAt === undefined ? {} : { delayMs: delay(at, extra.changedAt) }),
        });
      },
      message(what, bytes, change) {
        const at = Date.now();
        emit({
          kind: 'message',
          transport,
          exchange,
          at,
          what,
          bytes,
          ...(change ? { seq: change.seq, delayMs: delay(at, change.at) } : {}),
        });
      },
      closed(reason) {
        if (!open) return;
        open = false;
        emit({ kind: 'closed', transport, exchange, at: Date.now(), reason });
      },
    };
  }
}

const SILENT: Exchange = {
  answered() {},
  message() {},
  closed() {},
};

function delay(at: number, changedAt: string): number {
  return Math.max(0, at - Date.parse(changedAt));
}
