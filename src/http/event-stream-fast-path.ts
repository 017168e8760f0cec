/**
 * The event-stream fast path: `GET /jobs/:id/events` without a query, the stream every
 * EventSource opens and holds. Through Fastify, a hijacked stream keeps Fastify's request and
 * reply (their headers, params, child logger, request id) alive for as long as it is open:
 * Fastify's own `finish` listener on the response holds them, to run the onResponse hooks
 * when it ends. That is ~1 KB per idle stream, over a third of what one costs the server
 * beyond a bare node:http stream (docs/benchmarks.md, idle connections).
 *
 * A router in front of Fastify (its `serverFactory`, after the status fast path) opens that
 * stream itself, through the same transport (SseTransport#open) the route calls, when the
 * request is one the route would stream: the caller authenticated by the same authenticator
 * and rule as the onRequest hook (http/auth.ts, `access: 'stream'`), the client's address by
 * Fastify's rule, `Last-Event-ID` as the route's schema and handler read it. What the route
 * would answer otherwise is Fastify's to answer: a refusal met while opening (404, 429, 503,
 * a store fault) is handed to it with the request, so it answers that error at once without
 * asking again (and a refused connection is counted once); a job whose client already has its
 * end (204) goes to Fastify, which reads it again. Everything else falls through untouched:
 * another route or method (HEAD), a query (`?after=`, `?access_token=`), a body, an `Origin`
 * (CORS), no Host, `Accept-Version`, a `Last-Event-ID` the schema refuses, a failed
 * authentication, a scoped token (its scope is the route's preHandler, http/token-scope.ts),
 * request logging that is on, and a server not yet ready or closing. The route's metrics count
 * a fast stream when its response finishes, as Fastify's onResponse hook does; a failed stream
 * is logged with a request id made as Fastify makes one (`X-Request-Id`, else a new one).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Authenticator } from '../auth/authenticator.js';
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import type { App } from '../edge/app-type.js';
import type { Guards } from '../edge/guards.js';
import { isJobId } from '../model/job.js';
import type { SseTransport, StreamCall } from '../transports/sse.js';
import { FastifyHandoff } from './fastify-handoff.js';

/** The route this path answers, as Fastify names it (the metrics' `route` label). */
const ROUTE = '/jobs/:id/events';
const PREFIX = '/jobs/';
const SUFFIX = '/events';
const URL_LENGTH = PREFIX.length + 36 + SUFFIX.length;
/** The route's `last-event-id` schema (routes/events.ts): a seq, or empty. */
const LAST_EVENT_ID = /^(\d{1,15})?$/;

type Listener = (request: IncomingMessage, response: ServerResponse) => void;
type RequestId = (request: IncomingMessage) => string;

export interface EventStreamFastPathOptions {
  auth: Authenticator;
  /** The client's address, by the rule Fastify's `request.ip` follows (--trust-proxy). */
  guards: Guards;
  logger: Logger;
  /** Request logging at info (--log-requests): then Fastify answers, and logs, every stream. */
  logRequests: boolean;
}

/** What the path needs of the app, known once it is ready to serve. */
interface Attached {
  sse: SseTransport;
  log: (request: IncomingMessage) => FastifyBaseLogger;
}

/** The route's metrics, as its onResponse hook counts them (http/metrics.ts). */
interface RouteMetrics {
  requests: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route'>;
}

export class EventStreamFastPath {
  readonly #options: EventStreamFastPathOptions;
  readonly #logLevel: 'info' | 'debug';
  /** What opening a stream met, for Fastify to answer with the request (attach's hook). */
  readonly #refusals = new FastifyHandoff();
  /** Set once the app is ready to serve until it begins closing. */
  #attached: Attached | undefined;
  /** Set with #attached, and kept: the streams shutdown ends are counted too, as Fastify does. */
  #metrics: RouteMetrics | undefined;
  /** One function for every fast stream, not a closure each (docs/benchmarks.md). */
  readonly #finished = (receivedAt: number): void => {
    this.#metrics?.requests.inc();
    this.#metrics?.duration.observe((performance.now() - receivedAt) / 1000);
  };

  constructor(options: EventStreamFastPathOptions) {
    this.#options = options;
    this.#logLevel = options.logRequests ? 'info' : 'debug';
  }

  /** Fastify's request listener with this path in front of it (for the serverFactory). */
  inFrontOf(fallback: Listener): Listener {
    return (request, response) => {
      const attached = this.#attached;
      if (attached === undefined || !this.#answers(request)) {
        fallback(request, response);
        return;
      }
      void this.#answer(attached, request, response, fallback);
    };
  }

  /**
   * Starts answering once the app's routes and metrics exist, and stops when the app begins
   * closing (Fastify then answers 503, or the transport refuses, while it drains).
   */
  attach(app: App, registry: Registry, sse: SseTransport): void {
    const requests = registry.getSingleMetric('http_requests_total');
    const duration = registry.getSingleMetric('http_request_duration_seconds');
    // Fastify makes a request's id with this (its requestIdHeader and genReqId options).
    const requestId: unknown = Reflect.get(app, 'genReqId');
    if (!(requests instanceof Counter) || !(duration instanceof Histogram)) {
      throw new Error('the event-stream fast path needs the HTTP metrics registered first');
    }
    if (typeof requestId !== 'function') throw new Error('Fastify has no genReqId');
    const genReqId = requestId as RequestId;
    this.#refusals.attach(app);
    app.addHook('onReady', (done) => {
      this.#metrics = {
        requests: requests.labels('GET', ROUTE, '200'),
        duration: duration.labels('GET', ROUTE),
      };
      this.#attached = {
        sse,
        // As Fastify makes a request's child logger (its default childLoggerFactory).
        log: (request) => app.log.child({ reqId: genReqId(request) }, {}),
      };
      done();
    });
    app.addHook('preClose', (done) => {
      this.#attached = undefined;
      done();
    });
  }

  /** Whether this request is one the path may answer, judged from its head alone. */
  #answers(request: IncomingMessage): boolean {
    const { url, headers } = request;
    const lastEventId = headers['last-event-id'];
    return (
      request.method === 'GET' &&
      url !== undefined &&
      url.length === URL_LENGTH &&
      url.startsWith(PREFIX) &&
      url.endsWith(SUFFIX) &&
      isJobId(url.slice(PREFIX.length, -SUFFIX.length)) &&
      headers.host !== undefined &&
      headers.origin === undefined &&
      headers['accept-version'] === undefined &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined &&
      (lastEventId === undefined ||
        (typeof lastEventId === 'string' && LAST_EVENT_ID.test(lastEventId))) &&
      request.socket.remoteAddress !== undefined &&
      !this.#options.logger.isLevelEnabled(this.#logLevel)
    );
  }

  async #answer(
    attached: Attached,
    request: IncomingMessage,
    response: ServerResponse,
    fallback: Listener,
  ): Promise<void> {
    const receivedAt = performance.now();
    const url = request.url ?? '';
    const caller = await this.#caller(request, url);
    if (caller === undefined) {
      fallback(request, response);
      return;
    }
    try {
      const call: StreamCall = {
        caller,
        ip: this.#options.guards.clientAddress(request),
        request,
        response,
        log: attached.log,
        finished: this.#finished,
        receivedAt,
      };
      // The route's handler: the cursor is Last-Event-ID (no `?after=` here), else 0.
      const after = Number(request.headers['last-event-id'] ?? '');
      const cursors = new Map([[url.slice(PREFIX.length, -SUFFIX.length), after]]);
      const opened = await attached.sse.open(call, { cursors, topics: false, multiplexed: false });
      if (opened === 'finished') fallback(request, response); // Fastify answers the 204
    } catch (error) {
      // Nothing is written before the stream is open, and nothing throws after: Fastify answers.
      this.#refusals.fail(request, error);
      fallback(request, response);
    }
  }

  /** The caller as the onRequest hook finds it on a stream route, or undefined: Fastify's. */
  async #caller(request: IncomingMessage, url: string): Promise<Caller | undefined> {
    const { auth } = this.#options;
    if (!auth.enabled) return ANONYMOUS;
    let caller: Caller;
    try {
      caller = await auth.authenticate(request.headers, url, true);
    } catch {
      return undefined; // 401: Fastify answers with its problem document
    }
    return caller.scope === undefined ? caller : undefined;
  }
}
