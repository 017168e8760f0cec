/**
 * The lifecycle contract end to end: a real Redis-mode server whose store and BullMQ dispatcher
 * throw on close still closes every other part (WebSockets with 1001, the port, the runner,
 * the worker pool's threads), logs each failure once with its stage, and ends `closed`.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../src/model/job.js';
import { WorkerPool } from '../src/execution/worker-pool.js';
import { BullmqDispatcher } from '../src/jobs/runners/bullmq-dispatcher.js';
import { createServer } from '../src/server.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { json, postJson } from './helpers/http.js';
import { metricValue } from './helpers/metrics.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { tempDir } from './helpers/temp-dir.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';
import { connect } from './helpers/ws-client.js';

interface LogLine {
  level: number;
  msg: string;
  stage?: string;
  err?: { message: string };
}

/** The class's own close(), to call from its replacement. */
function originalClose<T extends object>(prototype: T): (this: T) => Promise<void> {
  return Object.getOwnPropertyDescriptor(prototype, 'close')?.value as (this: T) => Promise<void>;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!redisAvailable)('closing a server whose store and dispatcher fail', () => {
  const redis = redisForSuite();

  it('closes every other part, logs each failure once and ends closed', async () => {
    // Each broken close still releases its connections first, so the test leaves nothing open;
    // what the server sees is the rejection.
    const dispatcherClose = originalClose(BullmqDispatcher.prototype);
    vi.spyOn(BullmqDispatcher.prototype, 'close').mockImplementation(async function (
      this: BullmqDispatcher,
    ) {
      await dispatcherClose.call(this);
      throw new Error('dispatcher broke');
    });
    const storeClose = originalClose(RedisStore.prototype);
    vi.spyOn(RedisStore.prototype, 'close').mockImplementation(async function (this: RedisStore) {
      await storeClose.call(this);
      throw new Error('store broke');
    });
    const poolClose = vi.spyOn(WorkerPool.prototype, 'close');

    const lines: LogLine[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    );
    const server = await createServer(
      {
        port: 0,
        host: '127.0.0.1',
        dataDir: tempDir(),
        redis: redis().url,
        redisPrefix: `close-faults-${Date.now()}:`,
        cpuWorkers: 1,
        shutdownTimeout: 1500,
      },
      { logger },
    );
    const url = await server.listen();

    // A CPU job, so the worker pool holds a thread when the server closes.
    const submitted = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'primes', input: { n: 1000 } }),
    );
    expect(await waitForJob(server.store, submitted.id, isFinished)).toMatchObject({
      status: 'succeeded',
    });
    expect(await metricValue(url, 'worker_pool_threads')).toBeGreaterThanOrEqual(1);
    const client = await connect(url);

    expect(server.state).toBe('running');
    const closing = server.close();
    expect(server.state).toBe('closing');
    expect(server.close()).toBe(closing);
    await expect(closing).resolves.toBeUndefined();
    expect(server.state).toBe('closed');
    expect(server.close()).toBe(closing);

    // Sockets: the WebSocket was told 1001, and the port no longer answers.
    expect((await client.closed).code).toBe(1001);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // The runner stopped, the transports closed, the pool's threads ended.
    expect(server.runner?.state).toBe('closed');
    expect(server.websocket.state).toBe('closed');
    expect(poolClose).toHaveBeenCalledTimes(1);
    const pool = poolClose.mock.contexts[0] as WorkerPool;
    expect(pool.state).toBe('closed');
    expect(pool.stats.threads).toBe(0);
    // Both failures, once each, named by their stage; nothing else failed; the close finished.
    const errors = lines.filter((line) => line.level >= 50);
    expect(errors.map((line) => [line.stage, line.err?.message])).toEqual([
      ['dispatcher', 'dispatcher broke'],
      ['store', 'store broke'],
    ]);
    expect(lines.at(-1)?.msg).toBe('server closed');
  });
});
