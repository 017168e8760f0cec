/**
 * A server started with node flags that a worker thread may not be given explicitly
 * (`--expose-gc`, `--max-old-space-size`: V8 and per-process flags) still runs CPU-bound jobs.
 * Handing the parent's flags to every thread made Node refuse each one
 * (ERR_WORKER_INVALID_EXEC_ARGV), and every CPU job failed as `worker_crashed`.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { spawnServer } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

describe('CPU jobs under node flags', () => {
  it('succeed when the server runs with --expose-gc and --max-old-space-size', async () => {
    const server = await spawnServer(['--data-dir', tempDir()], 15_000, [
      '--expose-gc',
      '--max-old-space-size=512',
    ]);
    const submitted = await json<Job>(
      await postJson(`${server.url}/jobs`, { type: 'primes', input: { n: 20_000 } }),
    );
    let job = submitted;
    for (let i = 0; i < 100 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
      // Long poll: answered by the job's next change.
      job = await json<Job>(
        await fetch(`${server.url}/jobs/${submitted.id}?after=${job.seq}&wait=10`),
      );
    }
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ count: 2262 });
  });
});
