import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { spawnServer } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

describe('graceful shutdown', () => {
  it('on SIGTERM hands running jobs back within the deadline and exits 0; a restart runs them', async () => {
    const dataDir = tempDir();
    const first = await spawnServer(['--data-dir', dataDir, '--shutdown-timeout', '1500ms']);
    const job = await json<Job>(
      await postJson(`${first.url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
    );
    await expect
      .poll(async () => (await json<Job>(await fetch(`${first.url}/jobs/${job.id}`))).status)
      .toBe('running');

    const started = performance.now();
    process.kill(first.pid, 'SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - started).toBeLessThan(1500 + 2000);
    expect(first.lines.some((l) => l.includes('"msg":"server closed"'))).toBe(true);
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow(); // no longer listening

    const second = await spawnServer(['--data-dir', dataDir]);
    const after = await json<Job>(await fetch(`${second.url}/jobs/${job.id}`));
    expect(after).toMatchObject({ status: 'running', attempt: 2 });
  });
});
