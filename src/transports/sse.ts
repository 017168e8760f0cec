/**
 * Server-sent events: one long HTTP response the server keeps writing events into
 * (`GET /jobs/:id/events`, `GET /events?jobs=…&topics=jobs`; routes in src/http/routes/events.ts,
 * wire format in docs/protocol.md). The whole pattern is `open()` below:
 *
 * 1. Subscribe first, then read. For every job on the stream the engine opens a watch, which
 *    registers for the job's events before it reads the job, so a change committed in between
 *    cannot fall through. An unknown job (or another key's) is a 404 before anything is sent; a
 *    finished job whose last event the client has is a 204, which tells EventSource to stop.
 * 2. Replay, paced by the socket. Each watch sends the events after the client's cursor from
 *    the durable log, waiting whenever the socket is full: a client that reads gets every
 *    event however long the history, and the server holds at most a socket buffer of it. A
 *    cursor the log cannot serve (pruned, or ahead of the job) gets a `reset` with the snapshot.
 * 3. Live. Then each event as it happens. A client that stops reading gets the newest pending
 *    event per job (sse-stream.ts conflates; terminal events always arrive) and is cut off past
 *    --sse-max-buffer. The stream ends after the last job's terminal event.
 *
 * Resume: a reconnect sends `Last-Event-ID` (EventSource does it by itself) or `?after=`, and
 * the stream continues exactly after it, on any server: the cursor lives in the client and
 * the log outlives restarts (sse-cursor.ts says what an id holds). `topics=jobs` is live only.
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import type { TransportMetrics } from '../edge/transport-metrics.js';
import type { Guards } from '../edge/guards.js';
import type { JobEngine } from '../jobs/engine.js';
import type { JobWatch, WatchConsumer, WatchItem } from '../jobs/job-watch.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../lifecycle/lifecycle.js';
import { AppError } from '../model/errors/app-error.js';
import { isTerminal, type JobEvent } from '../model/job.js';
import type { Cursors } from './sse-cursor.js';
import {
  SseStream,
  type FinishedStream,
  type SseStreamOptions,
  type StreamMessage,
} from './sse-stream.js';

export interface SseOptions {
  /** Idle time before a heartbeat comment, in milliseconds. */
  heartbeat: number;
  /** The `retry:` hint, in milliseconds. */
  retry: number;
  /** Bytes a slow client may have waiting before its stream is closed. */
  maxBuffer: number;
  /** An open stream takes a connection slot of its address and key. */
  guards?: Guards;
  metrics: TransportMetrics;
  logger: Logger;
}

export interface StreamRequest {
  /** Where each job resumes (0 = from its first event). */
  cursors: Cursors;
  /** `topics=jobs`: every job's events as well, live. */
  topics: boolean;
  /** Ids name every job's position (`/events`), not just a seq (`/jobs/:id/events`). */
  multiplexed: boolean;
}

/**
 * Where a failed stream is logged: the request's logger, or — for a request Fastify never saw —
 * what makes it the moment it is needed (a logger per stream would outlive every idle one).
 */
export type RequestLog = FastifyBaseLogger | ((request: IncomingMessage) => FastifyBaseLogger);

/** One stream request, from a route (Fastify's request and reply) or from in front of Fastify. */
export interface StreamCall {
  caller: Caller;
  /** The client's address: an open stream holds one of its connection slots. */
  ip: string;
  request: IncomingMessage;
  response: ServerResponse;
  /** Fastify's reply, hijacked before the stream is written; none in front of Fastify. */
  reply?: FastifyReply;
  log: RequestLog;
  /**
   * In front of Fastify: counts the response in the route's metrics if it finishes (not if the
   * client leaves first), as Fastify's onResponse hook counts a stream it answered.
   */
  finished?: FinishedStream;
  /** When the request arrived (`performance.now()`), for `finished`. */
  receivedAt?: number;
}

export class SseTransport implements Closeable {
  readonly #engine: JobEngine;
  readonly #options: SseOptions;
  readonly #streams = new Set<SseStream>();
  readonly #lifecycle: Lifecycle;
  /** What every stream shares: one object, not one per stream. */
  readonly #streamOptions: SseStreamOptions;

  constructor(engine: JobEngine, options: SseOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#streamOptions = {
      heartbeatMs: options.heartbeat,
      retryMs: options.retry,
      maxBuffer: options.maxBuffer,
      metrics: options.metrics,
      bytesSent: options.metrics.bytesSent('sse'),
      closed: (stream) => {
        this.#streams.delete(stream);
      },
    };
    this.#lifecycle = new Lifecycle((stage, error) => {
      options.logger.error({ err: error, stage }, 'closing the event streams');
    });
  }

  /**
   * Answers one stream request (from its route, routes/events.ts, or from in front of Fastify,
   * http/event-stream-fast-path.ts): `streaming` once the response is the stream described at
   * the top of this file; `finished` when nothing will follow (a 204 to send); `gone` when the
   * client left meanwhile (nothing to send). Rejects with what the answer is instead (404,
   * 429, 503), before anything is written.
   */
  async open(call: StreamCall, spec: StreamRequest): Promise<'streaming' | 'finished' | 'gone'> {
    // 1. Subscribe first, then read: every job is watched (and known to exist) before streaming.
    const watches = await this.#watchAll(spec.cursors, call.caller);
    const following = watches.filter((watch) => !watch.finished);
    for (const watch of watches) if (watch.finished) watch.close();
    if (following.length === 0 && !spec.topics) return 'finished';
    let releaseSlot: (() => void) | undefined;
    try {
      releaseSlot = await this.#options.guards?.holdConnection(call.ip, call.caller.owner);
    } catch (error) {
      for (const watch of following) watch.close();
      throw error;
    }
    // Shutdown began while the jobs were read: a stream opened now would hold the server open.
    // A client gone meanwhile would never close the stream it is not there to read.
    const { request } = call;
    if (!this.#lifecycle.running || request.destroyed) {
      releaseSlot?.();
      for (const watch of following) watch.close();
      if (request.destroyed) return 'gone';
      throw new AppError('shutting_down', 'the server is shutting down');
    }

    const stream = this.#open(call, spec.multiplexed ? spec.cursors : undefined, releaseSlot);
    for (const watch of following) stream.onClose(watch);
    // HEAD: the headers, then the end (Node would hold them until the end of a stream anyway).
    if (request.method === 'HEAD') {
      stream.end();
      return 'streaming';
    }
    if (spec.topics) stream.onClose(this.#watchJobs(stream, call.caller, spec.cursors));

    // 2. Replay each job's history paced by the socket, then 3. live.
    const consumer = new StreamConsumer(stream, call, following.length, !spec.topics);
    for (const watch of following) await watch.start(consumer);
    return 'streaming';
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Bytes waiting to reach clients: socket buffers and pending messages. */
  get bufferedBytes(): number {
    let total = 0;
    for (const stream of this.#streams) total += stream.bufferedBytes;
    return total;
  }

  /** Ends every stream that keeps up and drops the others; opens no new ones (shutdown). */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'event streams',
        run: () => {
          for (const stream of this.#streams) stream.shutdown();
        },
      },
    ]);
  }

  /** `topics=jobs`: every job's events, live; returns the unsubscribe. */
  #watchJobs(stream: SseStream, caller: Caller, named: Cursors): () => void {
    return this.#engine.watchJobs(caller, (event) => {
      // Jobs named on the stream arrive through their own watch, in order and resumable.
      if (!named.has(event.jobId)) stream.send(eventMessage(event));
    });
  }

  /** Opens a watch per job, in order; if one cannot be opened, none stays open. */
  async #watchAll(cursors: Cursors, caller: Caller): Promise<JobWatch[]> {
    const watches: JobWatch[] = [];
    try {
      for (const [id, after] of cursors) {
        watches.push(await this.#engine.watch(id, { after, caller }));
      }
    } catch (error) {
      for (const watch of watches) watch.close();
      throw error;
    }
    return watches;
  }

  /** Takes over the response: headers, retry hint, heartbeat; released when it closes. */
  #open(
    call: StreamCall,
    cursors: Cursors | undefined,
    releaseSlot: (() => void) | undefined,
  ): SseStream {
    void call.reply?.hijack();
    const stream = new SseStream(call.response, this.#streamOptions, cursors);
    if (call.finished) stream.onFinished(call.finished, call.receivedAt ?? performance.now());
    this.#streams.add(stream);
    if (releaseSlot) stream.onClose(releaseSlot);
    stream.start();
    return stream;
  }
}

/**
 * Every stream watching a job hears the same event object from the bus: its message (and so
 * its JSON) is made once per event, not once per stream. Messages are never changed after.
 */
const messages = new WeakMap<JobEvent, StreamMessage>();

function eventMessage(event: JobEvent): StreamMessage {
  let message = messages.get(event);
  if (message === undefined) {
    message = {
      key: event.jobId,
      seq: event.seq,
      event: event.kind,
      data: JSON.stringify(event),
      final: isTerminal(event.status),
    };
    messages.set(event, message);
  }
  return message;
}

/** A job's event, or — for a snapshot or a reset — the job itself as a `reset` event. */
function messageOf(item: WatchItem): StreamMessage {
  if (item.type === 'event') return eventMessage(item.event);
  const { job } = item;
  return {
    key: job.id,
    seq: job.seq,
    event: 'reset',
    data: JSON.stringify(job),
    final: item.final,
  };
}

/**
 * What a stream's watches deliver to: one object per stream with its methods on the
 * prototype, rather than four closures per watch holding the whole request handler's scope
 * (the parsed request, its cursors, the watch list) for as long as the stream is open.
 */
class StreamConsumer implements WatchConsumer {
  readonly #stream: SseStream;
  readonly #log: RequestLog;
  readonly #request: IncomingMessage;
  #unfinished: number;
  readonly #endWithLast: boolean;

  constructor(stream: SseStream, call: StreamCall, unfinished: number, endWithLast: boolean) {
    this.#stream = stream;
    this.#log = call.log;
    this.#request = call.request;
    this.#unfinished = unfinished;
    this.#endWithLast = endWithLast;
  }

  onItem(item: WatchItem): void {
    this.#stream.send(messageOf(item));
  }

  ready(): Promise<void> | undefined {
    return this.#stream.congested ? this.#stream.drained() : undefined;
  }

  onEnd(): void {
    if (--this.#unfinished === 0 && this.#endWithLast) this.#stream.end();
  }

  onError(error: unknown): void {
    const log = typeof this.#log === 'function' ? this.#log(this.#request) : this.#log;
    log.error({ err: error }, 'event stream failed');
    this.#stream.destroy();
  }
}
