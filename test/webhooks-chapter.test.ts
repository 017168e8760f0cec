/**
 * The webhooks chapter as a learner runs it (demos/webhooks/README.md): one command starts the
 * server and the receiver; the README's curl submits a job; with --flaky the receiver prints
 * 500, 500, a timeout, then 200 under one webhook-id, and the server's four attempts.
 */
import { describe, expect, it } from 'vitest';
import { spawnNode } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

const CHAPTER = new URL('../demos/webhooks/index.ts', import.meta.url).pathname;

describe('webhooks chapter', () => {
  it('--flaky: retried with backoff until the receiver recovers, the attempts printed', async () => {
    const chapter = spawnNode(CHAPTER, ['--flaky', '--port', '0', '--receiver-port', '0'], {
      // The environment wins over the chapter's settings: shorter waits for a test.
      env: {
        DATA_DIR: tempDir(),
        LOG_LEVEL: 'warn',
        WEBHOOK_TIMEOUT: '300ms',
        WEBHOOK_RETRY_DELAY: '100ms',
      },
    });
    const started = /Webhooks server on (\S+), receiver on (\S+)/;
    await expect
      .poll(() => chapter.lines.some((l) => started.test(l)), { timeout: 30_000 })
      .toBe(true);
    const [, base, receiverUrl] =
      started.exec(chapter.lines.find((l) => started.test(l)) ?? '') ?? [];
    const response = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'demo', input: { stepMs: 10 }, webhook: { url: receiverUrl } }),
    });
    expect(response.status).toBe(202);
    await expect
      .poll(() => chapter.lines.some((l) => /delivered after 4 attempt\(s\)/.test(l)), {
        timeout: 30_000,
      })
      .toBe(true);
    const requests = chapter.lines.filter((l) => l.startsWith('receiver: request'));
    expect(requests.map((l) => l.split(' → ')[1])).toEqual([
      '500',
      '500',
      'no answer (the server times out)',
      '200',
    ]);
    expect(new Set(requests.map((l) => l.split(' ')[3])).size).toBe(1); // one webhook-id
    expect(chapter.lines.filter((l) => /^ {2}attempt \d/.test(l))).toHaveLength(4);
    process.kill(chapter.pid, 'SIGINT');
    expect((await chapter.exited).code).toBe(0);
  });
});
