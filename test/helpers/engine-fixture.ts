import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { WorkerPool } from '../../src/execution/worker-pool.js';
import { JobEngine } from '../../src/jobs/engine.js';
import type { AnyJobType } from '../../src/jobs/job-type.js';
import { JobTypeRegistry } from '../../src/jobs/registry.js';
import { Runner, type RunnerOptions } from '../../src/jobs/runners/runner.js';
import { builtInJobTypes } from '../../src/jobs/types/built-in.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from './temp-dir.js';
import {
  crashingCpuJobType,
  failingJobType,
  sleeperJobType,
  slowJobType,
} from './test-job-types.js';

export interface EngineFixture {
  store: Store;
  engine: JobEngine;
  runner: Runner;
  pool: WorkerPool;
  dataDir: string;
}

/**
 * The job engine without HTTP: an in-memory (or given) SQLite store, the built-in and test job
 * types, a worker pool and a started runner, all closed when the test finishes.
 */
export async function startEngine(
  options: Partial<Omit<RunnerOptions, 'store' | 'registry' | 'pool' | 'logger'>> & {
    store?: Store;
    jobTypes?: AnyJobType[];
  } = {},
): Promise<EngineFixture> {
  const dataDir = tempDir();
  const store = options.store ?? new SqliteStore({ path: ':memory:' });
  const registry = new JobTypeRegistry([
    ...builtInJobTypes(dataDir),
    sleeperJobType,
    slowJobType,
    failingJobType,
    crashingCpuJobType,
    ...(options.jobTypes ?? []),
  ]);
  const pool = new WorkerPool({ size: 2 });
  const runner = new Runner({
    store,
    registry,
    pool,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    concurrency: options.concurrency ?? 4,
    recovery: options.recovery ?? 'requeue',
    maxAttempts: options.maxAttempts ?? 3,
  });
  onTestFinished(async () => {
    await runner.close();
    await pool.close();
    await store.close();
  });
  await runner.start();
  return { store, engine: new JobEngine(store, registry), runner, pool, dataDir };
}
