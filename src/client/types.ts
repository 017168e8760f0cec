/**
 * The SDK's public types. The job, event and error vocabulary is the server's own (imported as
 * types, never copied), so client and server cannot drift apart.
 */
import type { JobStatus } from '../model/job.js';
import type { JobTypeDescription } from '../model/job-type-description.js';

export type { Job, JobEvent, JobError, JobStatus, EventKind } from '../model/job.js';
export type { BackoffPolicy } from '../model/backoff.js';
export { PRIORITY_MIN, PRIORITY_MAX, MAX_ATTEMPTS } from '../model/queue-options.js';
export type { ErrorCode } from '../model/errors/catalogue.js';
export type { ProblemDocument } from '../model/errors/problem-document.js';
export type { JobPage } from '../model/job-page.js';
export type { ServerStats } from '../model/stats.js';

/** The four ways to hear about a job (docs/protocol.md). */
export const TRANSPORTS = ['short-poll', 'long-poll', 'sse', 'websocket'] as const;
export type TransportName = (typeof TRANSPORTS)[number];
/** `auto` prefers WebSocket, then server-sent events, then long polling. */
export type TransportChoice = TransportName | 'auto';

export interface ListOptions {
  status?: JobStatus;
  type?: string;
  /** 1–100 (the server's default is 20). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  signal?: AbortSignal;
}

/** The part of JSON Schema the built-in job types use (enough to build a form from). */
export interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  [keyword: string]: unknown;
}

/** One entry of GET /job-types. */
export type JobTypeInfo = Omit<JobTypeDescription, 'inputSchema'> & { inputSchema: JsonSchema };

/** What a watch has cost and brought so far; the dashboard shows these per transport. */
export interface WatchStats {
  /** The transport in use (with `auto`: the one it chose); undefined before the first. */
  transport: TransportName | undefined;
  /** With `auto`: transports that could not connect, in the order they were tried. */
  fallbacks: TransportName[];
  /** HTTP requests made: polls, event-stream requests, WebSocket upgrade requests. */
  requests: number;
  /** Of those, streams and sockets that opened. */
  connections: number;
  /** Connections lost and made again, and failed requests retried. */
  reconnects: number;
  /** Bytes received: response bodies, event-stream events, WebSocket messages (not headers). */
  bytes: number;
  /** Changes delivered: snapshots newer than the previous one. */
  updates: number;
  /** Delivery delay of the latest change: receive time − the server's time of the change. */
  lastDelayMs: number | undefined;
  /** Mean delivery delay over all changes. */
  meanDelayMs: number | undefined;
}

/**
 * One thing that went over the wire for a watch, in order (`WatchOptions.onWire`): each
 * request, its answer, each message on an open stream or socket, and each close. Entries of one
 * request or connection share its `exchange` number. Times are this client's clock
 * (`Date.now()`). The dashboard draws its timeline from these; they also make a watch easy to
 * debug.
 */
export type WireEntry =
  /** A request sent: a poll, an event-stream request, a WebSocket upgrade. */
  | (WireBase & { kind: 'request'; path: string })
  /**
   * Its answer: for a poll the whole answer (`bytes` of body); for a stream or socket the
   * moment it opened (status 200 or 101, no bytes yet).
   */
  | (WireBase & {
      kind: 'response';
      status: number;
      bytes: number;
      /** How long the answer took: a short poll's round trip, a long poll's hold. */
      waitedMs: number;
      /** A poll answer that carried a newer snapshot. */
      news: boolean;
      /** The server's `Retry-After` hint, in seconds, when it sent one. */
      retryAfterS?: number;
      delayMs?: number;
      seq?: number;
    })
  /** A message on an open stream or socket: an event, a heartbeat, a welcome… */
  | (WireBase & {
      kind: 'message';
      /** `event` for a job event (or a reset snapshot), `heartbeat`, or what else it was. */
      what: string;
      bytes: number;
      seq?: number;
      /** For a change: receive time − the server's time of it. */
      delayMs?: number;
    })
  /** A request or connection that ended without an answer, or a stream or socket that closed. */
  | (WireBase & { kind: 'closed'; reason: string });

interface WireBase {
  transport: TransportName;
  exchange: number;
  at: number;
}
