/**
 * What the timeline draws, built from a watch's wire log (the SDK's WireEntry): per transport,
 * its exchanges — a poll from request to answer, a stream or socket from request through open
 * to close — and the messages that came on them, each with the words that describe it.
 */
import type { TransportName, WireEntry } from '../../src/client/index.js';
import { formatBytes } from './dom.js';

export interface ExchangeMark {
  kind: 'exchange';
  exchange: number;
  path: string;
  sentAt: number;
  /** The answer (a poll's) or the open (a stream's, a socket's). */
  answeredAt?: number;
  status?: number;
  bytes: number;
  waitedMs?: number;
  news: boolean;
  retryAfterS?: number;
  seq?: number;
  delayMs?: number;
  closedAt?: number;
  closedWhy?: string;
  /** A stream or socket (it stays open after its answer), not a poll. */
  held: boolean;
}

export interface MessageMark {
  kind: 'message';
  exchange: number;
  at: number;
  what: string;
  bytes: number;
  seq?: number;
  delayMs?: number;
}

export type Mark = ExchangeMark | MessageMark;

const STREAMS: ReadonlySet<TransportName> = new Set(['sse', 'websocket']);

export class Lane {
  readonly transport: TransportName;
  readonly marks: Mark[] = [];
  readonly #exchanges = new Map<number, ExchangeMark>();

  constructor(transport: TransportName) {
    this.transport = transport;
  }

  add(entry: WireEntry): void {
    if (entry.kind === 'request') {
      const mark: ExchangeMark = {
        kind: 'exchange',
        exchange: entry.exchange,
        path: entry.path,
        sentAt: entry.at,
        bytes: 0,
        news: false,
        held: false,
      };
      this.#exchanges.set(entry.exchange, mark);
      this.marks.push(mark);
      return;
    }
    const mark = this.#exchanges.get(entry.exchange);
    if (!mark) return;
    if (entry.kind === 'response') {
      Object.assign(mark, {
        answeredAt: entry.at,
        status: entry.status,
        bytes: entry.bytes,
        waitedMs: entry.waitedMs,
        news: entry.news,
        retryAfterS: entry.retryAfterS,
        seq: entry.seq,
        delayMs: entry.delayMs,
        held: STREAMS.has(this.transport) && (entry.status === 200 || entry.status === 101),
      });
    } else if (entry.kind === 'closed') {
      mark.closedAt = entry.at;
      mark.closedWhy = entry.reason;
    } else {
      this.marks.push({
        kind: 'message',
        exchange: entry.exchange,
        at: entry.at,
        what: entry.what,
        bytes: entry.bytes,
        seq: entry.seq,
        delayMs: entry.delayMs,
      });
    }
  }

  /** The last time anything happened in this lane. */
  lastAt(): number {
    let last = 0;
    for (const mark of this.marks) {
      last = Math.max(
        last,
        mark.kind === 'message' ? mark.at : (mark.closedAt ?? mark.answeredAt ?? mark.sentAt),
      );
    }
    return last;
  }
}

/** A failed exchange: no answer, and not simply closed by the client or the server's end. */
export function failed(mark: ExchangeMark): boolean {
  return mark.answeredAt === undefined && mark.closedAt !== undefined;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  101: 'Switching Protocols',
  200: 'OK',
  204: 'No Content',
  304: 'Not Modified',
};

/** What went over the wire for `mark`, in words, for the timeline's detail line. */
export function describeMark(mark: Mark, t0: number): string {
  const when = `at ${((markTime(mark) - t0) / 1000).toFixed(2)} s`;
  if (mark.kind === 'message') {
    const parts = [mark.what === 'event' ? `event, seq ${mark.seq ?? '?'}` : mark.what];
    parts.push(formatBytes(mark.bytes));
    if (mark.delayMs !== undefined) parts.push(`delivered ${mark.delayMs} ms after the change`);
    return `${parts.join(' · ')} · ${when}`;
  }
  const parts = [`GET ${shortPath(mark.path)}`];
  if (mark.status === undefined) {
    parts.push(mark.closedWhy ? `failed: ${mark.closedWhy}` : 'waiting for the answer');
  } else {
    const text = STATUS_TEXT[mark.status] ?? '';
    parts.push(`→ ${mark.status} ${text}`.trim());
    if (!mark.held) parts.push(`${formatBytes(mark.bytes)} body`);
    if (mark.waitedMs !== undefined) {
      parts.push(`${mark.waitedMs} ms ${mark.held ? 'to open' : 'from request to answer'}`);
    }
    if (!mark.held) parts.push(mark.news ? `news: seq ${mark.seq ?? '?'}` : 'nothing new');
    if (mark.delayMs !== undefined) parts.push(`delivered ${mark.delayMs} ms after the change`);
    if (mark.retryAfterS !== undefined) parts.push(`Retry-After: ${mark.retryAfterS}`);
    if (mark.held && mark.closedAt !== undefined) {
      const open = ((mark.closedAt - (mark.answeredAt ?? mark.sentAt)) / 1000).toFixed(1);
      parts.push(`open ${open} s, then ${mark.closedWhy ?? 'closed'}`);
    } else if (mark.held) {
      parts.push('open');
    }
  }
  return `${parts.join(' · ')} · ${when}`;
}

function markTime(mark: Mark): number {
  return mark.kind === 'message' ? mark.at : mark.sentAt;
}

/** Job ids are long: `/jobs/3f1c2a9e…/events?after=3`. */
function shortPath(path: string): string {
  return path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, (id) => `${id.slice(0, 8)}…`);
}
