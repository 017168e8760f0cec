/**
 * The job back end a process runs on, chosen by the options: the embedded SQLite store with a
 * local runner, or (with --redis) the Redis store, BullMQ dispatcher and, where this process
 * runs jobs, a BullMQ runner. Gateways (`serve`) and workers (`worker`) both build one.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import type { Logger } from 'pino';
import { databasePath, OPTION_SPECS, OptionsError, type ServerOptions } from './config/options.js';
import { WorkerPool } from './execution/worker-pool.js';
import { JobEngine } from './jobs/engine.js';
import {
  Lifecycle,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from './lifecycle/lifecycle.js';
import type { JobDispatcher } from './jobs/runners/job-dispatcher.js';
import type { AnyJobType } from './jobs/job-type.js';
import { loadJobTypeModule } from './jobs/job-type-module.js';
import { loadExternalJobTypes } from './jobs/external-job-types.js';
import { JobTypeRegistry } from './jobs/registry.js';
import { Runner, type JobRunner } from './jobs/runners/runner.js';
import { builtInJobTypes } from './jobs/types/built-in.js';
import { BullmqDispatcher } from './jobs/runners/bullmq-dispatcher.js';
import { BullmqRunner } from './jobs/runners/bullmq-runner.js';
import { OutboxReconciler } from './jobs/runners/outbox-reconciler.js';
import { RedisStore } from './store/redis/redis-store.js';
import { RedisRateLimits } from './store/redis/redis-rate-limiter.js';
import { RedisGateway } from './store/redis/redis-gateway.js';
import { memoryRateLimiter, type RateLimiterFactory } from './limits/rate-limiter.js';
import type { ConnectionLimits } from './limits/connection-limits.js';
import { DatabaseFileError } from './store/sqlite/file-check.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface Backend extends Closeable {
  readonly store: Store;
  readonly engine: JobEngine;
  /** The worker threads for CPU work (idle, holding no threads, when this process runs no jobs). */
  readonly pool: WorkerPool;
  /** The deployment's clock: Redis's in Redis mode, so every process reads the same time. */
  readonly clock: () => number;
  /** Where rate limits are counted: this process, or Redis (shared by every gateway). */
  readonly rateLimiters: RateLimiterFactory;
  /**
   * Where a gateway counts held connections in Redis mode (shared by every gateway); undefined
   * when this process counts its own (SQLite mode, workers).
   */
  readonly connectionLimits: ConnectionLimits | undefined;
  /** Undefined when this process does not run jobs (a gateway with --run-jobs false). */
  readonly runner: JobRunner | undefined;
  /**
   * Stops the runner: running jobs get `graceMs` to finish, then are handed back. The server
   * calls it while the HTTP side drains; close() awaits the same stop (or stops it at once).
   */
  stopRunner(graceMs: number): Promise<void>;
  /**
   * Stops the runner if stopRunner did not, then closes the outbox reconciler, the queue, the
   * worker pool and the store, in that order; a failing stage is logged and the next still runs.
   */
  close(): Promise<void>;
}

export interface BackendExtras {
  logger: Logger;
  jobTypes?: readonly AnyJobType[];
  runJobs: boolean;
  /**
   * This process serves clients (`serve`, not `worker`): in Redis mode it takes a gateway's
   * lease for the shared connection caps and room presence.
   */
  gateway?: boolean;
}

export async function createBackend(
  options: ServerOptions,
  extras: BackendExtras,
): Promise<Backend> {
  const { logger } = extras;
  mkdirSync(options.dataDir, { recursive: true });
  const dataDir = realpathSync(options.dataDir);
  const jobTypes = [...builtInJobTypes(dataDir), ...(extras.jobTypes ?? [])];
  if (options.jobTypes !== undefined) {
    const loaded = await loadJobTypeModule(options.jobTypes, jobTypes);
    logger.info(
      { event: 'job-types-loaded', module: options.jobTypes, jobTypes: loaded.map((t) => t.name) },
      `job types from ${options.jobTypes}: ${loaded.map((t) => t.name).join(', ')}`,
    );
    jobTypes.push(...loaded);
  }
  if (options.externalJobTypes !== undefined) {
    const external = loadExternalJobTypes(options.externalJobTypes, jobTypes);
    logger.info(
      {
        event: 'external-job-types-loaded',
        file: options.externalJobTypes,
        jobTypes: external.map((t) => t.name),
      },
      `external job types from ${options.externalJobTypes}: ${external.map((t) => t.name).join(', ')}`,
    );
    jobTypes.push(...external);
  }
  const registry = new JobTypeRegistry(jobTypes);
  const onListenerError = (error: unknown) => {
    logger.error({ err: error }, 'event listener failed');
  };
  // Each part reports its own failed close stages here, once each.
  const onCloseError =
    (part: string): StageErrorHandler =>
    (stage, error) => {
      logger.error({ err: error, part, stage }, `closing ${part}: ${stage} failed`);
    };

  let store: Store;
  let dispatcher: JobDispatcher | undefined;
  let reconciler: OutboxReconciler | undefined;
  let clock: () => number = Date.now;
  let rateLimits: RedisRateLimits | undefined;
  let gateway: RedisGateway | undefined;
  if (options.redis === undefined) {
    store = openSqliteStore(options, onListenerError, logger, onCloseError('the SQLite store'));
  } else {
    const onConnectionError = (error: Error) => {
      logger.warn({ err: error }, 'Redis connection error (reconnecting)');
    };
    const redisStore = await RedisStore.open({
      url: options.redis,
      prefix: options.redisPrefix,
      durability: options.redisDurability,
      onListenerError,
      onConnectionError,
      onCloseError: onCloseError('the Redis store'),
      onWarning: (message) => {
        logger.warn({ event: 'redis-safety' }, message);
      },
    });
    store = redisStore;
    clock = () => redisStore.now();
    const { outbox } = redisStore;
    dispatcher = new BullmqDispatcher(
      options.redis,
      options.redisPrefix,
      outbox,
      onConnectionError,
      (type) => registry.isExternal(type),
      clock,
      onCloseError('the BullMQ dispatcher'),
    );
    reconciler = new OutboxReconciler({ outbox, dispatcher, logger });
    // A connection of its own only when a rate is limited: workers and unlimited gateways need none.
    if (
      options.submitRatePerKey > 0 ||
      options.submitRatePerIp > 0 ||
      options.publishRatePerKey > 0
    ) {
      rateLimits = await RedisRateLimits.open({
        url: options.redis,
        prefix: options.redisPrefix,
        onConnectionError,
      });
    }
    if (extras.gateway) {
      gateway = await RedisGateway.open({
        url: options.redis,
        prefix: options.redisPrefix,
        leaseMs: options.gatewayLease,
        connectionLimits: {
          perIp: options.maxConnectionsPerIp,
          perKey: options.maxConnectionsPerKey,
        },
        onConnectionError,
        onRenewError: (error) => {
          logger.warn({ err: error }, 'renewing the gateway lease failed; the next pass retries');
        },
        onCloseError: onCloseError('the gateway lease'),
      });
    }
  }

  const pool = new WorkerPool({
    size: options.cpuWorkers,
    onCloseError: onCloseError('the worker pool'),
  });
  const common = { store, registry, pool, logger, recovery: options.recovery };
  let runner: JobRunner | undefined;
  if (extras.runJobs) {
    runner =
      options.redis === undefined || dispatcher === undefined
        ? new Runner({
            ...common,
            concurrency: options.concurrency,
            maxAttempts: options.maxAttempts,
          })
        : new BullmqRunner({
            ...common,
            url: options.redis,
            storePrefix: options.redisPrefix,
            concurrency: options.concurrency,
            maxAttempts: options.maxAttempts,
            stallTimeoutMs: options.stallTimeout,
            clock,
          });
  }

  const lifecycle = new Lifecycle(onCloseError('the back end'));
  // Memoised by the runner: the grace of the first call wins.
  const stopRunner = async (graceMs: number) => {
    await runner?.close(graceMs);
  };
  const backend: Backend = {
    store,
    clock,
    rateLimiters: rateLimits?.factory ?? memoryRateLimiter,
    connectionLimits: gateway?.connections,
    engine: new JobEngine(
      store,
      registry,
      dispatcher,
      {
        leaseMs: options.workerLease,
        requeueBelowAttempt: options.recovery === 'requeue' ? options.maxAttempts : 0,
        onSweepError: (error) => {
          logger.warn({ err: error }, 'handing back lapsed leases failed');
        },
      },
      clock,
      {
        onError: (error) => {
          logger.warn({ err: error }, 'firing due schedule ticks failed; the next pass retries');
        },
      },
      // A job may always keep itself as long as --retention keeps every job.
      { maxKeepForMs: Math.max(options.maxKeepFor, options.retention) },
      gateway?.presence,
    ),
    runner,
    pool,
    get state(): LifecycleState {
      return lifecycle.state;
    },
    stopRunner,
    close: () =>
      lifecycle.close(() => [
        { name: 'runner', run: () => stopRunner(0) },
        { name: 'outbox reconciler', run: () => reconciler?.close() },
        { name: 'dispatcher', run: () => dispatcher?.close() },
        { name: 'rate limits', run: () => rateLimits?.close() },
        { name: 'gateway lease', run: () => gateway?.close() },
        { name: 'worker pool', run: () => pool.close() },
        { name: 'store', run: () => store.close() },
      ]),
  };
  try {
    await runner?.start();
  } catch (error) {
    // Crash recovery or the queue connection failed: leave nothing open behind the error.
    await backend.close();
    throw error;
  }
  return backend;
}

/**
 * The embedded store on the file the options name. A file it refuses (another application's,
 * corrupt, read-only, newer, held by another server) is an OptionsError naming the option and
 * the file: one line and exit status 2, like any other bad start-up option.
 */
function openSqliteStore(
  options: ServerOptions,
  onListenerError: (error: unknown) => void,
  logger: Logger,
  onCloseError: StageErrorHandler,
): Store {
  try {
    return new SqliteStore({
      path: databasePath(options),
      synchronous: options.sqliteSynchronous,
      onListenerError,
      onCloseError,
      onWriteHealth: (failure) => {
        if (failure) logger.error({ writeFailure: failure }, 'the job store cannot write');
        else logger.info('the job store writes again');
      },
    });
  } catch (error) {
    if (!(error instanceof DatabaseFileError)) throw error;
    const { flag, env } = options.db === undefined ? OPTION_SPECS.dataDir : OPTION_SPECS.db;
    throw new OptionsError(`${flag} (${env}) ${error.message}`);
  }
}
