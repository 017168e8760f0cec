/**
 * The composition root: builds every part from the options, starts them in order, and closes
 * them in reverse order within the shutdown deadline.
 *
 *   start: back end (store, worker pool, runner with crash recovery) → HTTP app → listen
 *   close: refuse new work → close WebSockets (1001), stop listening / finish requests ∥ let
 *          running jobs finish, then hand them back → queue, worker pool, store
 *
 * The close follows the lifecycle contract (src/lifecycle/lifecycle.ts): a stage that fails is
 * logged and the later ones still run, so a broken store cannot keep the port open.
 */
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createBackend } from './backend.js';
import { resolveOptions, type ServerOptions } from './config/options.js';
import { LoopDelayMonitor } from './execution/loop-delay-monitor.js';
import { buildApp } from './http/app.js';
import { Guards } from './edge/guards.js';
import { logSerializers } from './http/log-serializers.js';
import type { App } from './edge/app-type.js';
import {
  inParallel,
  inSequence,
  Lifecycle,
  type Closeable,
  type LifecycleState,
} from './lifecycle/lifecycle.js';
import type { JobEngine } from './jobs/engine.js';
import type { AnyJobType } from './jobs/job-type.js';
import { RetentionPruner } from './jobs/retention.js';
import type { JobRunner } from './jobs/runners/runner.js';
import type { Store } from './store/store.js';
import { webSocketOptions } from './transports/websocket.js';
import { WebSocketTransport } from './transports/websocket/transport.js';
import { WebhookDelivery } from './transports/webhooks.js';
import { webhookOptions } from './transports/webhooks/options.js';

export interface ServerExtras {
  /** Logger to use instead of a new pino logger at `options.logLevel`. */
  logger?: Logger;
  /** Job types registered in addition to the built-in ones (tests, embedding applications). */
  jobTypes?: readonly AnyJobType[];
}

export interface Server extends Closeable {
  readonly app: App;
  /** The only door to jobs for everything above it; the transports see nothing else. */
  readonly engine: JobEngine;
  /** The store under the engine, for tests and tools that embed the server. */
  readonly store: Store;
  readonly runner: JobRunner | undefined;
  /** The push transport at /ws. */
  readonly websocket: WebSocketTransport;
  /** Webhook delivery; undefined when the store keeps no webhook outbox. */
  readonly webhooks: WebhookDelivery | undefined;
  readonly options: ServerOptions;
  readonly logger: Logger;
  /** Binds the port; resolves with the URL clients should use. */
  listen(): Promise<string>;
  /** Graceful, ordered, memoised shutdown; resolves (never rejects) when everything is closed. */
  close(): Promise<void>;
}

export async function createServer(
  given: Partial<ServerOptions> = {},
  extras: ServerExtras = {},
): Promise<Server> {
  const options = resolveOptions(given);
  const logger = extras.logger ?? pino({ level: options.logLevel, serializers: logSerializers });
  const backend = await createBackend(options, {
    logger,
    jobTypes: extras.jobTypes,
    // Embedded mode always runs its jobs; with Redis, workers can do it instead.
    runJobs: options.redis === undefined || options.runJobs,
    gateway: true,
  });
  const { engine, runner } = backend;
  const loopDelay = new LoopDelayMonitor();
  const pruner = new RetentionPruner(backend.store, options.retention, logger);
  const guards = new Guards(options, backend.clock, backend.rateLimiters, backend.connectionLimits);
  const websocket = new WebSocketTransport({ engine, logger, guards }, webSocketOptions(options));
  const webhooks =
    engine.webhookQueue &&
    new WebhookDelivery(webhookOptions(options), {
      queue: engine.webhookQueue,
      logger,
      // Due times and leases on the deployment's clock (Redis's in Redis mode), as events' times.
      now: backend.clock,
    });
  const app = await buildApp(options, {
    engine,
    logger,
    loopDelay,
    pool: backend.pool,
    activeJobs: () => runner?.activeCount ?? 0,
    websocket,
    webhooks,
    guards,
  });
  await app.ready();
  engine.workers.start(); // hands back the jobs of external workers whose leases lapsed
  engine.scheduleTicker.start(); // recurring schedules: one job per tick (docs/queue.md)
  // Pending deliveries of an earlier run (a crash, a restart) go out now.
  webhooks?.start();

  const lifecycle = new Lifecycle((stage, error) => {
    logger.error({ err: error, stage }, `closing the server: ${stage} failed`);
  });
  // Running jobs get most of the deadline to finish; the rest is for handing them back.
  const grace = Math.max(0, options.shutdownTimeout - 1000);
  const close = () =>
    lifecycle.close(() => [
      {
        name: 'new work',
        run: () => {
          engine.stopAccepting();
        },
      },
      { name: 'retention pruner', run: () => pruner.close() },
      // No tick after new work is refused; a pass in progress ends before the store closes.
      { name: 'schedule ticker', run: () => engine.scheduleTicker.close() },
      inParallel('drain', [
        // WebSockets first (1001 going away): the HTTP server only finishes closing once
        // they are gone.
        inSequence('http', [
          {
            name: 'websockets',
            run: () => websocket.close(Math.min(1000, options.shutdownTimeout)),
          },
          { name: 'http server', run: () => app.close() },
        ]),
        { name: 'runner', run: () => backend.stopRunner(grace) },
        { name: 'webhooks', run: () => webhooks?.close(Math.min(1000, options.shutdownTimeout)) },
      ]),
      { name: 'loop-delay monitor', run: () => loopDelay.close() },
      {
        name: 'external workers',
        run: () => engine.workers.close(),
      },
      { name: 'back end', run: () => backend.close() },
      {
        name: 'log',
        run: () => {
          logger.info('server closed');
        },
      },
    ]);

  return {
    app,
    engine,
    store: backend.store,
    runner,
    websocket,
    webhooks,
    options,
    logger,
    async listen() {
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    get state(): LifecycleState {
      return lifecycle.state;
    },
    close,
  };
}
