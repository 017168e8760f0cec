import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { startTestServer } from './helpers/test-server.js';

/** The seq of every line in the page's event log, in order. */
async function loggedSeqs(page: Page): Promise<number[]> {
  const lines = await page.locator('#log li').allTextContents();
  return lines.map((line) => Number(/^#(\d+) /.exec(line)?.[1]));
}

async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    // A reconnect while the server is down logs a failed request; that is the point here.
    if (message.type() === 'error' && !message.text().includes('ERR_CONNECTION_REFUSED')) {
      problems.push(message.text());
    }
  });
  await page.goto(`${url}/sse/`);
  return { page, problems };
}

describe('the server-sent events page (Chromium)', () => {
  it('submits a job and shows its progress live until it succeeds', async () => {
    const { url } = await startTestServer();
    const { page, problems } = await openPage(url);
    await page.fill('#step-ms', '50');
    await page.click('button[type=submit]');

    await page.locator('#status', { hasText: 'succeeded 100%' }).waitFor({ timeout: 10_000 });
    expect(await page.getAttribute('#bar', 'value')).toBe('100');
    expect(await loggedSeqs(page)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await page.locator('#connection').textContent()).toBe('closed (job finished)');
    expect(problems).toEqual([]);
  });

  it('survives a server restart: the browser resumes with Last-Event-ID, no gap, no repeat', async () => {
    const first = await startTestServer({ sseRetry: 200 });
    const { page, problems } = await openPage(first.url);
    await page.fill('#step-ms', '300');
    await page.click('button[type=submit]');
    await expect.poll(async () => (await loggedSeqs(page)).length).toBeGreaterThanOrEqual(4);

    // Same data directory and port: the job was handed back at shutdown and runs again.
    await first.server.close();
    await startTestServer({
      port: Number(new URL(first.url).port),
      dataDir: first.dataDir,
      sseRetry: 200,
    });

    await page.locator('#status', { hasText: 'succeeded 100%' }).waitFor({ timeout: 15_000 });
    const seqs = await loggedSeqs(page);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(await page.locator('#log li', { hasText: 'requeued' }).count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
