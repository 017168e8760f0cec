/**
 * One open event stream: writes frames to the response, keeps idle connections alive with
 * comment heartbeats, and keeps a client that stops reading from costing unbounded memory.
 *
 * Slow consumers. While the socket's buffer is above its high-water mark (`write()` returned
 * false, no 'drain' yet) nothing more is written; each job keeps at most one pending message,
 * the newest, because every event carries the job's whole status and progress. So a stalled
 * client costs one message per job, not one per event, and when it reads again it gets the
 * latest state. A terminal event is never replaced (nothing follows it) and is always
 * delivered. So what a stalled client costs is its socket buffer (one high-water mark, plus the
 * frame that crossed it) and its pending messages; only when those pending messages pass
 * `maxBuffer` (many jobs on one stream, or huge events) is the stream closed, and the client
 * reconnects with its Last-Event-ID and resumes. A large frame to a client that reads is not
 * counted: it is on its way.
 *
 * Everything it holds (heartbeat timer, pending messages, the subscriptions registered with
 * `onClose`) is released the moment the connection closes, whoever closed it.
 */
import type { ServerResponse } from 'node:http';
import type { TransportMetrics } from '../edge/transport-metrics.js';
import { formatCursorList, type Cursors } from './sse-cursor.js';
import {
  formatComment,
  formatEvent,
  formatHeartbeatInterval,
  formatRetry,
} from '../model/sse-frame.js';

export interface StreamMessage {
  /** The job id: messages of one job are written in order, and conflated with each other. */
  key: string;
  seq: number;
  event: string;
  data: string;
  /** The job's terminal event (or a terminal reset): never conflated away. */
  final: boolean;
}

/** What every stream of a transport shares: one object for all of them. */
export interface SseStreamOptions {
  heartbeatMs: number;
  retryMs: number;
  /** Pending bytes (messages waiting for a full socket) beyond which the stream is closed. */
  maxBuffer: number;
  metrics: TransportMetrics;
  /** Counts body bytes written: `metrics.bytesSent('sse')`, made once per transport. */
  bytesSent: (bytes: number) => void;
  /** Called once per stream, when it closes (the transport forgets it). */
  closed(stream: SseStream): void;
}

/**
 * Told once if the stream's response finished (its last byte went to the socket; not when the
 * client left first), with when its request arrived (`performance.now()`).
 */
export type FinishedStream = (receivedAt: number) => void;

/** What a stream releases when it closes: a function to call, or something to close. */
export type OnClose = (() => void) | { close(): void };

const TRANSPORT = 'sse';

/** A message's frame with one id: its text and its UTF-8 length. */
interface Frame {
  id: string;
  text: string;
  bytes: number;
}

/**
 * A message's frames, formatted (and measured) once per message and id, not once per stream:
 * every stream whose ids are plain seqs writes the same bytes, and so does every multiplexed
 * stream whose cursor list is the same (all the streams that follow the same jobs live). A
 * multiplexed stream with other positions formats its own, which then becomes the one kept.
 */
interface Frames {
  plain: Frame | undefined;
  listed: Frame | undefined;
}
const framed = new WeakMap<StreamMessage, Frames>();

/**
 * Each response's stream, for the listeners: Node calls a listener with the response as
 * `this`, so one pair of functions serves every stream instead of two closures each.
 */
const streamOf = new WeakMap<ServerResponse, SseStream>();

export class SseStream {
  readonly #res: ServerResponse;
  readonly #options: SseStreamOptions;
  /** Ids as `jobId:seq,…` with the positions of these jobs (multiplexed); otherwise `seq`. */
  readonly #cursors: Cursors | undefined;
  /**
   * The newest message per job while the socket is full. Made by the first one that has to
   * wait, like the drain waiters: an empty Map is ~200 bytes, and most streams never wait.
   */
  #pending: Map<string, StreamMessage> | undefined;
  /**
   * One, or an array of exactly the ones registered: a stream has one or two (its watch, its
   * connection slot), and an array grown by push keeps room for seventeen (~80 bytes).
   */
  #onClose: OnClose | OnClose[] | undefined;
  #onDrained: (() => void)[] | undefined;
  #pendingBytes = 0;
  #congested = false;
  #ending = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #finished: FinishedStream | undefined;
  #receivedAt = 0;

  constructor(res: ServerResponse, options: SseStreamOptions, cursors?: Cursors) {
    this.#res = res;
    this.#options = options;
    this.#cursors = cursors;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes waiting for the client: in the socket's buffer and in pending messages. */
  get bufferedBytes(): number {
    return this.#closed ? 0 : this.#res.writableLength + this.#pendingBytes;
  }

  /** True while the socket is full: what is sent now waits (and may be conflated). */
  get congested(): boolean {
    return this.#congested || (this.#pending?.size ?? 0) > 0;
  }

  /** Resolves once everything sent so far has been handed to the socket, or the stream closed. */
  drained(): Promise<void> {
    if (!this.congested || this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#onDrained ??= []).push(resolve));
  }

  /** Sends the headers, the retry hint and the heartbeat interval; the stream is now open. */
  start(): void {
    this.#res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      // Every byte is news for one client only: no cache may keep or replay it.
      'cache-control': 'no-store',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
      // The stream owns its connection; when it ends the socket goes, nothing idles behind it.
      connection: 'close',
    });
    // The head on a write of its own (same bytes): Node keeps the head's text for the
    // response's life, built as a rope of ~20 concatenations (~700 bytes); written alone, that
    // very string goes to the socket, which flattens it in place (~200 bytes).
    this.#res.flushHeaders();
    this.#options.metrics.open.inc({ transport: TRANSPORT });
    streamOf.set(this.#res, this);
    this.#res.on('drain', SseStream.#onDrain);
    // Not `once`: its wrapper is two more objects per stream, and #release runs once anyway.
    this.#res.on('close', SseStream.#onResponseClose);
    this.#heartbeat = setTimeout(SseStream.#onHeartbeat, this.#options.heartbeatMs, this);
    this.#write(formatRetry(this.#options.retryMs));
    this.#write(formatHeartbeatInterval(this.#options.heartbeatMs));
  }

  /** Calls `then` when the stream closes, if its response finished (the route's metrics). */
  onFinished(then: FinishedStream, receivedAt: number): void {
    this.#finished = then;
    this.#receivedAt = receivedAt;
  }

  /** Runs or closes `then` when the stream closes (at once if it already has). */
  onClose(then: OnClose): void {
    if (this.#closed) runOnClose(then);
    else if (this.#onClose === undefined) this.#onClose = then;
    else if (Array.isArray(this.#onClose)) this.#onClose = [...this.#onClose, then];
    else this.#onClose = [this.#onClose, then];
  }

  send(message: StreamMessage): void {
    if (this.#closed || this.#ending) return;
    if (!this.congested) {
      this.#writeMessage(message);
      return;
    }
    const pending = (this.#pending ??= new Map<string, StreamMessage>());
    const previous = pending.get(message.key);
    // Nothing follows a job's terminal event; keep it whatever arrives.
    if (previous?.final) return;
    if (previous) {
      this.#pendingBytes -= previous.data.length;
      this.#options.metrics.slowConsumer.inc({ transport: TRANSPORT, action: 'conflated' });
    }
    pending.set(message.key, message);
    this.#pendingBytes += message.data.length;
    this.#enforceCap();
  }

  /** Ends the stream once everything pending is written. */
  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    if ((this.#pending?.size ?? 0) === 0) this.#res.end();
  }

  /** Server shutdown: end a stream that keeps up, drop one that does not. */
  shutdown(): void {
    if (this.#closed) return;
    if (this.#congested) {
      this.destroy();
      return;
    }
    this.#write(formatComment('server shutting down; reconnect to resume'));
    this.#ending = true;
    this.#res.end();
  }

  /** Closes the connection at once (a stalled client, a failed read). */
  destroy(): void {
    this.#res.destroy();
    // 'close' follows on a later tick; release now so nothing more is written meanwhile.
    this.#release();
  }

  #writeMessage(message: StreamMessage): void {
    let frames = framed.get(message);
    if (frames === undefined) {
      frames = { plain: undefined, listed: undefined };
      framed.set(message, frames);
    }
    const cursors = this.#cursors;
    let frame: Frame;
    if (cursors) {
      if (cursors.has(message.key)) cursors.set(message.key, message.seq);
      const id = formatCursorList(message.key, message.seq, cursors);
      frame = frames.listed?.id === id ? frames.listed : (frames.listed = frameOf(message, id));
    } else {
      frame = frames.plain ??= frameOf(message, String(message.seq));
    }
    this.#write(frame.text, frame.bytes);
  }

  #write(text: string, bytes = Buffer.byteLength(text)): void {
    if (!this.#res.write(text)) this.#congested = true;
    this.#options.bytesSent(bytes);
    this.#heartbeat?.refresh();
  }

  /** The socket drained: write pending messages, then end if that was the last thing to do. */
  #flush(): void {
    this.#congested = false;
    this.#writePending();
    if (this.congested || this.#closed) return;
    if (this.#ending) this.#res.end();
    this.#resolveDrained();
  }

  /** Writes pending messages, oldest job first, until the socket is full again. */
  #writePending(): void {
    const pending = this.#pending;
    if (!pending) return;
    for (const [key, message] of pending) {
      if (this.#congested || this.#closed) return;
      pending.delete(key);
      this.#pendingBytes -= message.data.length;
      this.#writeMessage(message);
    }
  }

  /** A comment after `heartbeatMs` without writes keeps proxies from closing an idle stream. */
  #beat(): void {
    if (this.#closed) return;
    // A stream still waiting for 'drain' is not idle: a heartbeat would only add to its backlog.
    if (this.#congested) this.#heartbeat?.refresh();
    else this.#write(formatComment('heartbeat'));
  }

  #enforceCap(): void {
    if (this.#closed || this.#pendingBytes <= this.#options.maxBuffer) return;
    this.#options.metrics.slowConsumer.inc({ transport: TRANSPORT, action: 'closed' });
    this.destroy();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#heartbeat);
    this.#pending = undefined;
    this.#pendingBytes = 0;
    this.#options.metrics.open.dec({ transport: TRANSPORT });
    this.#options.closed(this);
    // 'finish' came before this 'close' (or the response failed): as Fastify's onResponse.
    if (this.#finished && (this.#res.writableFinished || this.#res.errored !== null)) {
      this.#finished(this.#receivedAt);
    }
    const onClose = this.#onClose;
    this.#onClose = undefined;
    if (Array.isArray(onClose)) for (const then of onClose) runOnClose(then);
    else if (onClose !== undefined) runOnClose(onClose);
    this.#resolveDrained();
  }

  #resolveDrained(): void {
    const waiting = this.#onDrained;
    this.#onDrained = undefined;
    for (const resolve of waiting ?? []) resolve();
  }

  static #onDrain(this: ServerResponse): void {
    const stream = streamOf.get(this);
    if (stream) stream.#flush();
  }

  static #onResponseClose(this: ServerResponse): void {
    const stream = streamOf.get(this);
    if (stream) stream.#release();
  }

  static #onHeartbeat(stream: SseStream): void {
    stream.#beat();
  }
}

function frameOf(message: StreamMessage, id: string): Frame {
  const text = formatEvent({ id, event: message.event, data: message.data });
  return { id, text, bytes: Buffer.byteLength(text) };
}

function runOnClose(then: OnClose): void {
  if (typeof then === 'function') then();
  else then.close();
}
