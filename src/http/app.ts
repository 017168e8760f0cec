/**
 * Builds the Fastify app: limits and timeouts, problem-details errors, metrics, the OpenAPI
 * document, and every route. It receives its collaborators; it creates none of them.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../model/errors/app-error.js';
import type { Logger } from 'pino';
import type { LoopDelayMonitor } from '../execution/loop-delay-monitor.js';
import type { WorkerPool } from '../execution/worker-pool.js';
import type { JobEngine } from '../jobs/engine.js';
import { LongPolling } from '../transports/long-polling.js';
import { ShortPolling } from '../transports/short-polling.js';
import type { WebSocketTransport } from '../transports/websocket/transport.js';
import { SseTransport } from '../transports/sse.js';
import type { WebhookDelivery } from '../transports/webhooks.js';
import { transportMetrics } from '../edge/transport-metrics.js';
import { VERSION } from '../config/version.js';
import { registerExecutionMetrics } from './execution-metrics.js';
import { registerAuth } from './auth.js';
import { registerTokenScope } from './token-scope.js';
import { registerCors } from './cors.js';
import type { Guards } from '../edge/guards.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { RequestLogController } from './request-log.js';
import { sharedCompilers } from './shared-compilers.js';
import { StatusFastPath } from './status-fast-path.js';
import { EventStreamFastPath } from './event-stream-fast-path.js';
import {
  handleClientError,
  handleFrameworkError,
  rawProblemResponse,
  registerProblemHandlers,
} from '../edge/problem.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { demoPageRoutes } from './routes/demo-pages.js';
import { eventStreamRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { Schedule } from '../edge/schedule-schemas.js';
import { WebhookEndpoint, WebhookEndpointWithSecret } from '../edge/webhook-endpoint-schemas.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';
import { pollingRoutes } from './routes/polling.js';
import { pushPageRoutes } from './routes/push-page.js';
import { statsRoutes } from './routes/stats.js';
import { workerRoutes } from './routes/workers.js';
import { topicRoutes } from './routes/topics.js';
import { SHARED_SCHEMAS } from '../edge/schemas.js';
import type { App } from '../edge/app-type.js';

export interface AppOptions {
  bodyLimit: number;
  requestTimeout: number;
  headersTimeout: number;
  pollInterval: number;
  longPollMaxWait: number;
  sseHeartbeat: number;
  sseRetry: number;
  sseMaxBuffer: number;
  /** The largest WebSocket message, also the limit of an HTTP publish. */
  wsMaxPayload: number;
  /** Per-request log lines at info rather than debug (request-log.ts). */
  logRequests?: boolean;
}

export interface AppDependencies {
  engine: JobEngine;
  logger: Logger;
  loopDelay: LoopDelayMonitor;
  pool: WorkerPool;
  activeJobs: () => number;
  /** Serves /ws (push) on this app's HTTP server when given. */
  websocket?: WebSocketTransport;
  /** Authentication, connection caps and rate limits. */
  guards: Guards;
  /** Webhook delivery: submits may carry a webhook when given. */
  webhooks?: WebhookDelivery;
}

export async function buildApp(options: AppOptions, deps: AppDependencies): Promise<App> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const statusFastPath = new StatusFastPath({
    engine: deps.engine,
    auth: deps.guards.auth,
    logger: deps.logger,
    pollInterval: options.pollInterval,
    logRequests: options.logRequests === true,
  });
  const eventStreamFastPath = new EventStreamFastPath({
    auth: deps.guards.auth,
    guards: deps.guards,
    logger: deps.logger,
    logRequests: options.logRequests === true,
  });
  const app = Fastify({
    loggerInstance,
    // GET /jobs/:id, the polling hot path, is answered in front of Fastify (status-fast-path.ts),
    // and so are the streams of GET /jobs/:id/events (event-stream-fast-path.ts).
    serverFactory: (handler, serverOptions) =>
      statusFastPath.serverFactory(eventStreamFastPath.inFrontOf(handler), serverOptions),
    logController: new RequestLogController(options.logRequests === true),
    // request.ip: the client behind the proxies --trust-proxy names (client-address.ts).
    trustProxy: deps.guards.trustedProxies ?? false,
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeout,
    // Node checks both timeouts only every connectionsCheckingInterval (30 s by default), which
    // would let a slow client hold a connection far past them; check every second instead.
    // requireHostHeader: Node would refuse an HTTP/1.1 request without Host with a bare 400
    // before Fastify sees it; the hook below refuses it as a problem document instead.
    http: {
      headersTimeout: options.headersTimeout,
      connectionsCheckingInterval: 1000,
      requireHostHeader: false,
    },
    // Idle keep-alive sockets longer than typical load balancers' (60 s), so they close first.
    keepAliveTimeout: 72_000,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array' } },
    // Response serializers compiled once per process, not once per app (shared-compilers.ts).
    schemaController: { compilersFactory: sharedCompilers },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only: without this, text/plain would be parsed and fail as a schema error
  // instead of answering 415.
  app.removeContentTypeParser('text/plain');
  for (const schema of [...SHARED_SCHEMAS, Schedule, WebhookEndpoint, WebhookEndpointWithSecret]) {
    app.addSchema(schema);
  }
  registerProblemHandlers(app);
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new AppError('invalid_request', 'an HTTP/1.1 request must carry a Host header');
    }
  });
  // CONNECT has no route here; without a listener Node would drop the socket without a word.
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawProblemResponse(new AppError('not_found', 'CONNECT is not supported')));
  });
  await registerOpenApi(app, VERSION);
  await registerCors(app, deps.guards.origins);
  registerAuth(app, deps.guards.auth);
  registerTokenScope(app);
  const metrics = registerMetrics(app, deps.engine);
  deps.guards.registerMetrics(metrics);
  registerExecutionMetrics(metrics, deps);
  statusFastPath.attach(app, metrics);
  deps.webhooks?.registerMetrics(metrics);
  if (deps.websocket) {
    deps.websocket.register(app.server, metrics);
    pushPageRoutes(app);
  }
  const { engine, guards, logger } = deps;
  const perTransport = transportMetrics(metrics);

  workerRoutes(app, engine, { maxWaitMs: options.longPollMaxWait });
  jobRoutes(app, engine, guards, deps.webhooks);
  scheduleRoutes(app, engine);
  deliveryRoutes(app, engine);
  webhookEndpointRoutes(app, engine, deps.webhooks);
  pollingRoutes(app, {
    shortPolling: new ShortPolling(engine, { pollInterval: options.pollInterval }),
    longPolling: new LongPolling(engine, {
      maxWait: options.longPollMaxWait,
      guards,
      metrics: perTransport,
      logger,
    }),
    guards,
  });
  const sse = new SseTransport(engine, {
    heartbeat: options.sseHeartbeat,
    retry: options.sseRetry,
    maxBuffer: options.sseMaxBuffer,
    guards,
    metrics: perTransport,
    logger,
  });
  eventStreamFastPath.attach(app, metrics, sse);
  eventStreamRoutes(app, sse, metrics);
  topicRoutes(app, { engine, guards, maxMessageBytes: options.wsMaxPayload });
  demoPageRoutes(app);
  dashboardRoutes(app);
  healthRoutes(app, deps);
  statsRoutes(app, {
    registry: metrics,
    loopDelay: deps.loopDelay,
    activeJobs: deps.activeJobs,
    webSocketConnections: () => deps.websocket?.connectionCount ?? 0,
  });
  return app;
}
