/**
 * Job types of one's own in Redis mode: a gateway that runs no jobs and a separate
 * `worker --job-types`, both given the examples' module (TypeScript, through tsx). The gateway
 * validates and lists the types; the worker runs them (the CPU one in its own worker pool, the
 * subprocess one with its encoder), and a cancel on the gateway stops the worker's encoder.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import type { Job } from '../../src/model/job.js';
import { childrenRunning } from '../helpers/child-processes.js';
import { redisAvailable, redisSkipReason } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer, spawnWorker, type SpawnedServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const EXAMPLES = new URL('../../examples/job-types/index.ts', import.meta.url).pathname;

const started = (worker: SpawnedServer, id: string) =>
  worker.lines.some((line) => line.includes('"msg":"job started"') && line.includes(id));

describe.skipIf(!redisAvailable)('a worker with --job-types on Redis', () => {
  const redis = redisForSuite();

  it('runs the module’s job types submitted on a gateway that runs none', async () => {
    const common = ['--redis', redis().url, '--data-dir', tempDir(), '--job-types', EXAMPLES];
    // Both log at debug, where the executor says "job started".
    const [gateway, worker] = await Promise.all([
      spawnServer([...common, '--run-jobs', 'false', '--log-level', 'debug']),
      spawnWorker([...common, '--log-level', 'debug']),
    ]);
    const client = createClient({ baseUrl: gateway.url });
    const names = (await client.jobTypes()).map((type) => type.name);
    expect(names).toEqual(expect.arrayContaining(['fetch-url', 'estimate-pi', 'encode']));

    const follow = async (type: string, input: unknown): Promise<Job> => {
      let last: Job | undefined;
      for await (const job of client.watch(await client.submit(type, input), { transport: 'sse' }))
        last = job;
      if (!last) throw new Error('the watch saw nothing');
      return last;
    };
    const [pi, encoded] = await Promise.all([
      follow('estimate-pi', { samples: 1_000_000 }),
      follow('encode', { frames: 20, frameMs: 5 }),
    ]);
    expect(pi).toMatchObject({ status: 'succeeded', result: { samples: 1_000_000 } });
    expect(encoded).toMatchObject({ status: 'succeeded', result: { frames: 20 } });
    expect(started(worker, pi.id) && started(worker, encoded.id)).toBe(true);
    expect(gateway.lines.some((line) => line.includes('"msg":"job started"'))).toBe(false);

    // Cancel on the gateway: the worker hears it over Redis and stops its encoder.
    const long = await client.submit('encode', { frames: 100_000, frameMs: 10 });
    for await (const job of client.watch(long, { transport: 'sse' })) if (job.progress > 0) break;
    expect(childrenRunning(worker.pid, 'fake-encoder')).toHaveLength(1);
    expect((await client.cancel(long.id)).status).toBe('canceled');
    await expect.poll(() => childrenRunning(worker.pid, 'fake-encoder')).toEqual([]);
    expect(await follow('encode', { frames: 2, frameMs: 1 })).toMatchObject({
      status: 'succeeded',
    });
  }, 60_000);
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable)
  it.skip(`a worker with --job-types on Redis (skipped): ${redisSkipReason}`, () => undefined);
