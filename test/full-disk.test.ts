/**
 * A real full disk (a tmpfs filled with a ballast file): the server answers writes with
 * `503 storage_full` and `Retry-After`, never 500; /healthz says `degraded` while writes fail
 * and `ok` again once space returns (the store's probe write notices by itself); a job that
 * finished while the disk was full is recorded once space returns. Torture case 19 does the
 * same under load.
 */
import { describe, expect, it } from 'vitest';
import { fullDisk, fullDiskAvailable, fullDiskSkipReason } from './helpers/full-disk.js';
import { postJson } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';

async function health(url: string) {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.skipIf(!fullDiskAvailable)('a full disk under the SQLite store', () => {
  it('answers 503 storage_full with Retry-After, reports degraded, and recovers by itself', async () => {
    const disk = fullDisk(8);
    const { url, server } = await startTestServer({ dataDir: disk.dir });
    const running = (await (
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 100 } })
    ).json()) as { id: string };
    disk.fill(0);

    // Writes until one is refused (the WAL may still have room for a few).
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const response = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } });
      if (response.status !== 202) refused = response;
      else await response.arrayBuffer();
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(await refused?.json()).toMatchObject({ code: 'storage_full', status: 503 });
    const cancel = await fetch(`${url}/jobs/${running.id}`, { method: 'DELETE' });
    expect([503, 200]).toContain(cancel.status); // 200 only if the WAL still had room
    expect((await cancel.json()) as object).not.toMatchObject({ code: 'internal_error' });

    const degraded = await health(url);
    expect(degraded).toMatchObject({
      status: 503,
      body: { status: 'degraded', writeFailure: { code: 'storage_full' } },
    });

    disk.free();
    await expect
      .poll(async () => (await health(url)).body.status, { timeout: 5000, interval: 100 })
      .toBe('ok');
    await expect
      .poll(async () => (await server.engine.get(running.id)).status, { timeout: 5000 })
      .toMatch(/succeeded|canceled/);
  });
});

if (!fullDiskAvailable) it.skip(`full disk (skipped): ${fullDiskSkipReason}`, () => undefined);
