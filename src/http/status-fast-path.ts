/**
 * The status fast path: `GET /jobs/:id` without a query is the short-polling hot path (every
 * client of every page asks about its job on a timer), and Fastify's per-request pipeline —
 * request and reply objects, hooks, schema checks, serialising the snapshot — cost more than
 * twice a bare node:http server answering the same bytes (docs/benchmarks.md, status reads).
 *
 * A router in front of Fastify (its `serverFactory`) answers that one route itself, and only
 * when the answer is known to be what the Fastify route would send: the caller authenticated
 * by the same authenticator (http/auth.ts), the job read through the engine on the caller's
 * behalf (owner visibility), a 304 when If-None-Match holds its ETag, else the snapshot's
 * bytes — the bytes the Fastify route itself serialised for this job at this seq, remembered
 * as it sent them (a job's snapshot at a seq never changes: the ETag is the seq for that
 * reason). A job whose latest seq has not yet been answered by Fastify goes to Fastify once.
 * Everything else falls through to Fastify untouched: another route, a query (long polling,
 * access tokens), HEAD, a body, an Origin (CORS), no Host, a failed authentication, a scoped
 * token (its scope is checked by the route), a missing job, a server that is closing, and request logging that is on. The route's metrics
 * (http_requests_total, http_request_duration_seconds) count fast answers too, tallied here
 * and added to prom-client's series as they are read (route-tally.ts: its per-call labels cost
 * more than the rest of a fast answer's own work).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Authenticator } from '../auth/authenticator.js';
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import type { App } from '../edge/app-type.js';
import type { JobEngine } from '../jobs/engine.js';
import { isAppError } from '../model/errors/app-error.js';
import { isJobId, isTerminal, type Job } from '../model/job.js';
import { etagOf, ifNoneMatchHits } from '../transports/short-polling.js';
import { FastifyHandoff } from './fastify-handoff.js';
import { RouteTally } from './route-tally.js';

/** The route this path answers, as Fastify names it (the metrics' `route` label). */
const ROUTE = '/jobs/:id';
const PREFIX = '/jobs/';
const REMEMBERED_SNAPSHOTS = 10_000;

export interface StatusFastPathOptions {
  engine: JobEngine;
  auth: Authenticator;
  logger: Logger;
  /** Retry-After hint in ms, as short polling sends it (0: none). */
  pollInterval: number;
  /** Request logging at info (--log-requests): then Fastify answers, and logs, every request. */
  logRequests: boolean;
}

interface Snapshot {
  seq: number;
  /** A string, not a Buffer: Node then writes head and body as one chunk, not a writev. */
  body: string;
  contentLength: string;
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

export class StatusFastPath {
  readonly #options: StatusFastPathOptions;
  readonly #logLevel: 'info' | 'debug';
  readonly #retryAfter: string | undefined;
  /** The last snapshot bytes Fastify sent per job, oldest first out. */
  readonly #snapshots = new Map<string, Snapshot>();
  /**
   * A store fault met while reading a job, handed to Fastify with the request so the route
   * answers it at once instead of asking the faulty store a second time (and waiting twice).
   */
  readonly #storeFaults = new FastifyHandoff();
  /** Set once the app is ready to serve (attach) until it closes. */
  #metrics: RouteTally | undefined;

  constructor(options: StatusFastPathOptions) {
    this.#options = options;
    this.#logLevel = options.logRequests ? 'info' : 'debug';
    this.#retryAfter =
      options.pollInterval > 0
        ? String(Math.max(1, Math.round(options.pollInterval / 1000)))
        : undefined;
  }

  /**
   * Fastify's `serverFactory`: the HTTP server Fastify would create (the same options), whose
   * requests pass this path first.
   */
  readonly serverFactory: FastifyServerFactory = (handler, rawOptions) => {
    const options = rawOptions as FastifyServerOptions & { http?: object };
    const listener: Listener = (request, response) => {
      if (!this.#answers(request)) {
        handler(request, response);
        return;
      }
      void this.#answer(request, response, handler);
    };
    const server: Server = createServer(options.http ?? {}, listener);
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  /**
   * Starts answering once the app's routes and metrics exist: remembers what the Fastify route
   * sends, and stops when the app closes (Fastify then answers 503 while it drains).
   */
  attach(app: App, registry: Registry): void {
    const requests = registry.getSingleMetric('http_requests_total');
    const duration = registry.getSingleMetric('http_request_duration_seconds');
    if (!(requests instanceof Counter) || !(duration instanceof Histogram)) {
      throw new Error('the status fast path needs the HTTP metrics registered first');
    }
    app.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode === 200 && request.routeOptions.url === ROUTE) {
        this.#remember(request.params, reply.getHeader('etag'), payload);
      }
      done(null, payload);
    });
    this.#storeFaults.attach(app);
    const tally = new RouteTally(requests, duration, 'GET', ROUTE);
    app.addHook('preClose', (done) => {
      this.#metrics = undefined;
      done();
    });
    app.addHook('onReady', (done) => {
      this.#metrics = tally;
      done();
    });
  }

  /** Whether this request is one the path may answer, judged from its head alone. */
  #answers(request: IncomingMessage): boolean {
    const { url, headers } = request;
    return (
      this.#metrics !== undefined &&
      request.method === 'GET' &&
      url !== undefined &&
      url.length === PREFIX.length + 36 &&
      url.startsWith(PREFIX) &&
      isJobId(url.slice(PREFIX.length)) &&
      headers.host !== undefined &&
      headers.origin === undefined &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined &&
      !this.#options.logger.isLevelEnabled(this.#logLevel)
    );
  }

  async #answer(request: IncomingMessage, response: ServerResponse, fallback: Listener) {
    const started = performance.now();
    const url = request.url ?? '';
    const job = await this.#visibleJob(request, url);
    const metrics = this.#metrics;
    if (job === undefined || metrics === undefined) {
      fallback(request, response);
      return;
    }
    const etag = etagOf(job);
    const retryAfter = isTerminal(job.status) ? undefined : this.#retryAfter;
    const ifNoneMatch = request.headers['if-none-match'];
    // The usual poll sends back exactly the ETag it got: no list to split.
    if (ifNoneMatch === etag || ifNoneMatchHits(ifNoneMatch, etag)) {
      response.writeHead(304, headersOf(etag, retryAfter));
      response.end();
      metrics.notModified((performance.now() - started) / 1000);
    } else {
      const snapshot = this.#snapshots.get(job.id);
      if (snapshot?.seq !== job.seq) {
        fallback(request, response); // Fastify answers, and its bytes are remembered
        return;
      }
      const headers = headersOf(etag, retryAfter);
      headers.push(
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        snapshot.contentLength,
      );
      response.writeHead(200, headers);
      response.end(snapshot.body);
      metrics.ok((performance.now() - started) / 1000);
    }
  }

  /** The job as the route would read it, or undefined for whatever Fastify must answer. */
  async #visibleJob(request: IncomingMessage, url: string): Promise<Job | undefined> {
    const { auth, engine } = this.#options;
    let caller: Caller = ANONYMOUS;
    try {
      // As the onRequest hook (http/auth.ts) authenticates a route without `access` config.
      if (auth.enabled) caller = await auth.authenticate(request.headers, url, false);
    } catch {
      return undefined; // 401: Fastify answers with its problem document
    }
    // A scoped token's limits are the route's preHandler (http/token-scope.ts): Fastify answers.
    if (caller.scope !== undefined) return undefined;
    try {
      return await engine.get(url.slice(PREFIX.length), caller);
    } catch (error) {
      // 404 and the like: Fastify answers. A store fault (5xx): Fastify answers it, unasked.
      if (isAppError(error) && error.status >= 500) this.#storeFaults.fail(request, error);
      return undefined;
    }
  }

  #remember(params: unknown, etag: unknown, payload: unknown): void {
    const id = typeof params === 'object' && params !== null && 'id' in params && params.id;
    const seq = typeof etag === 'string' ? Number(etag.slice(1, -1)) : NaN;
    if (typeof id !== 'string' || !Number.isSafeInteger(seq) || typeof payload !== 'string') return;
    this.#snapshots.delete(id);
    this.#snapshots.set(id, {
      seq,
      body: payload,
      contentLength: String(Buffer.byteLength(payload)),
    });
    if (this.#snapshots.size > REMEMBERED_SNAPSHOTS) {
      this.#snapshots.delete(this.#snapshots.keys().next().value ?? '');
    }
  }
}

/** The validators every snapshot answer carries, in the order the Fastify route sends them. */
function headersOf(etag: string, retryAfter: string | undefined): string[] {
  const headers = ['etag', etag, 'cache-control', 'no-cache'];
  if (retryAfter !== undefined) headers.push('retry-after', retryAfter);
  return headers;
}
