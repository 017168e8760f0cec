/**
 * One connection to an event stream, read with `fetch` (not EventSource, which cannot send an
 * Authorization header, report a status, or show the heartbeats that prove a stream alive).
 *
 * - The answer's status decides, as for any request: 200 streams, 204 says the job finished,
 *   and anything else rejects with its ClientError (a problem document's code and status).
 * - A silence timer notices a stream that stops without closing (a frozen server, a connection
 *   a NAT dropped). Until the first byte, the connect timeout bounds the wait; from then on,
 *   each wait for bytes may last two heartbeat intervals and a second — the interval the server
 *   announced in `: heartbeat-ms <ms>`, or the documented maximum until it has. On expiry the
 *   fetch is aborted and the generator rejects with a `network_error`.
 * - Aborting the caller's signal, or leaving the loop, closes the connection.
 *
 * It never reconnects: the callers do, with backoff, from their own cursor.
 */
import { HEARTBEAT_INTERVAL_COMMENT } from '../model/sse-frame.js';
import { ClientError } from './client-error.js';
import type { Http } from './http.js';
import { allowedSilenceMs, MAX_SSE_HEARTBEAT_MS } from './liveness.js';
import { SseParser } from './sse-parser.js';

export type StreamItem =
  /** 200: the stream is open. */
  | { kind: 'open' }
  /** 204: the server has nothing more for this cursor (the job finished); nothing follows. */
  | { kind: 'finished' }
  /**
   * What the stream carried, with the bytes it took: the bytes of the chunks that completed
   * items, shared among the items each completed (a server writes one item per chunk, mostly).
   */
  | { kind: 'event'; event: string; data: string; id: string; bytes: number }
  /** A comment line: `heartbeat`, `heartbeat-ms 15000`, … */
  | { kind: 'comment'; text: string; bytes: number }
  | { kind: 'retry'; ms: number; bytes: number };

export interface EventStreamOptions {
  /** Path and query, relative to the client's base URL. */
  path: string;
  signal: AbortSignal;
  /** How long the answer and its first byte may take. */
  connectTimeoutMs: number;
  /** Body bytes as they arrive (events, comments, heartbeats: everything). */
  onBytes?: (count: number) => void;
}

/** Yields `open` then events, or `finished`; returns when the server ends the stream. */
export async function* readEventStream(
  http: Http,
  options: EventStreamOptions,
): AsyncGenerator<StreamItem, void> {
  const { signal, connectTimeoutMs } = options;
  // Ours, so the silence timer and an early exit can close the connection; the caller's abort
  // closes it too.
  const connection = new AbortController();
  const follow = () => {
    connection.abort(signal.reason);
  };
  signal.addEventListener('abort', follow, { once: true });
  if (signal.aborted) follow();
  const firstByteBy = Date.now() + connectTimeoutMs;
  try {
    const response = await within(
      http.stream({ path: options.path, signal: connection.signal }),
      connectTimeoutMs,
      connection,
      `no answer within ${connectTimeoutMs} ms`,
    );
    if (response.status === 204) {
      yield { kind: 'finished' };
      return;
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
      throw new ClientError('unexpected_response', `HTTP ${response.status} ${type}: no stream`, {
        status: response.status,
      });
    }
    yield { kind: 'open' };

    // Node's fetch types the body's chunks loosely; they are bytes.
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    const parser = new SseParser();
    let heartbeatMs: number | undefined;
    let unattributed = 0;
    for (let first = true; ; first = false) {
      const allowed = first
        ? Math.max(0, firstByteBy - Date.now())
        : allowedSilenceMs(heartbeatMs ?? MAX_SSE_HEARTBEAT_MS);
      const why = first ? `no answer within ${connectTimeoutMs} ms` : `silent for ${allowed} ms`;
      const { done, value } = await within(reader.read(), allowed, connection, why);
      if (done) return;
      options.onBytes?.(value.byteLength);
      unattributed += value.byteLength;
      const items = parser.push(value);
      for (const [index, item] of items.entries()) {
        const bytes = share(unattributed, items.length, index);
        if (item.kind === 'comment') heartbeatMs = announced(item.text) ?? heartbeatMs;
        // `retry:` is for EventSource's own reconnects; callers reconnect with their backoff.
        yield { ...item, bytes };
      }
      if (items.length > 0) unattributed = 0;
    }
  } catch (error) {
    // The caller's abort ends it as the caller's abort; the silence timer's as its own error.
    if (signal.aborted) throw signal.reason;
    if (connection.signal.aborted) throw connection.signal.reason;
    throw error;
  } finally {
    signal.removeEventListener('abort', follow);
    connection.abort();
  }
}

/** Item `index`'s part of `bytes` shared by `count` items (the first takes the remainder). */
function share(bytes: number, count: number, index: number): number {
  const each = Math.floor(bytes / count);
  return index === 0 ? bytes - each * (count - 1) : each;
}

/** `: heartbeat-ms <ms>` → ms; undefined for any other comment (a heartbeat, say). */
function announced(comment: string): number | undefined {
  const [word, value = ''] = comment.split(' ');
  if (word !== HEARTBEAT_INTERVAL_COMMENT || !/^[0-9]+$/.test(value)) return undefined;
  const ms = Number(value);
  return ms > 0 ? ms : undefined;
}

/**
 * `wait`, unless it outlasts `ms` (then the connection is aborted with a network_error) or the
 * connection is aborted first. Settling on the abort itself does not rely on every runtime
 * failing a pending body read when its fetch is aborted.
 */
async function within<T>(
  wait: Promise<T>,
  ms: number,
  connection: AbortController,
  why: string,
): Promise<T> {
  const { signal } = connection;
  const timer = setTimeout(() => {
    connection.abort(new ClientError('network_error', `event stream ${why}`));
  }, ms);
  // Removes the abort listener when this wait is over.
  const done = new AbortController();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true, signal: done.signal });
  });
  try {
    // race() also handles a rejection of `wait` that comes after the abort.
    return await Promise.race([wait, aborted]);
  } finally {
    clearTimeout(timer);
    done.abort();
  }
}
