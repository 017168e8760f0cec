/**
 * The dashboard's webhook panel in Chromium (web/src/webhook-panel.ts): a job submitted from
 * the form with a webhook URL shows its delivery live. A real receiver on loopback answers 500
 * to the first attempt and 204 to the second; it holds the second answer until the page has
 * shown the failed attempt pending a retry, so both states are seen, in order, without sleeping.
 * With no retry window the failed delivery is dead at once, and Redeliver on it sends it again.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildDashboard } from '../scripts/build-web.js';
import { createClient } from '../src/client/index.js';
import { launchBrowser } from './helpers/browser.js';
import { startTestServer } from './helpers/test-server.js';

beforeAll(async () => {
  await buildDashboard();
});

/** 500 to the first request, then 204 once `release()` is called. */
async function flakyReceiver() {
  const answers: number[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      const status = answers.length === 0 ? 500 : 204;
      answers.push(status);
      if (status === 500) response.writeHead(500).end('not now');
      else void released.then(() => response.writeHead(204).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, answers, release };
}

/** A server with `options`, its dashboard in Chromium, and a short demo job submitted from the
 * form with a webhook to `hookUrl` for its terminal event. */
async function submitFromDashboard(
  options: Parameters<typeof startTestServer>[0],
  hookUrl: string,
) {
  const { url } = await startTestServer(options);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1200, height: 940 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${url}/`);
  await page.locator('#input-stepMs').waitFor();
  await page.fill('#input-stepMs', '10');
  await page.fill('#webhook-url', hookUrl);
  await page.selectOption('#webhook-events', 'terminal');
  await page.click('#submit-job');
  return { url, page, problems };
}

describe('dashboard webhooks', () => {
  it('in Chromium: a delivery fails with 500, waits for its retry, then is delivered', async () => {
    const receiver = await flakyReceiver();
    // A short first retry (it doubles, with jitter): the server's own --webhook-retry-delay.
    const { url, page, problems } = await submitFromDashboard(
      { webhookAllowPrivate: true, webhookRetryDelay: 100 },
      receiver.url,
    );

    const delivery = page.locator('#deliveries > li');
    const attempts = delivery.locator('.attempts > li');
    // First the failed attempt, the delivery still pending with its next attempt's time.
    await page.locator('#deliveries > li[data-state="pending"] li[data-attempt="1"]').waitFor({
      timeout: 20_000,
    });
    expect(await delivery.count()).toBe(1);
    expect(await delivery.locator('.event').textContent()).toBe('job.succeeded');
    expect(await delivery.locator('.target').textContent()).toBe(receiver.url);
    expect(await delivery.locator('.next').textContent()).toMatch(/^next attempt \d/);
    expect(await attempts.count()).toBe(1);
    expect(await attempts.nth(0).locator('.status-code').textContent()).toBe('500');
    expect(await attempts.nth(0).locator('.latency').textContent()).toMatch(/^\d+ ms$/);
    expect(await attempts.nth(0).locator('.error').textContent()).not.toBe('');
    expect(await delivery.locator('button.redeliver').count()).toBe(0);

    receiver.release();
    await page.locator('#deliveries > li[data-state="delivered"]').waitFor({ timeout: 20_000 });
    expect(await delivery.locator('.state').textContent()).toBe('delivered');
    expect(await delivery.locator('.next').textContent()).toBe('');
    const numbers = (await attempts.all()).map((row) => row.getAttribute('data-attempt'));
    expect(await Promise.all(numbers)).toEqual(['1', '2']);
    expect(await attempts.locator('.status-code').allTextContents()).toEqual(['500', '204']);
    expect(await attempts.nth(1).locator('.error').textContent()).toBe('');
    expect(receiver.answers).toEqual([500, 204]);

    // The panel shows what the server recorded.
    const jobId = (await page.textContent('#watched-job'))?.split(' ')[1] ?? '';
    const [recorded] = await createClient({ baseUrl: url }).deliveries.list(jobId);
    expect(recorded?.state).toBe('delivered');
    expect(await delivery.getAttribute('data-delivery-id')).toBe(recorded?.id);
    expect(problems).toEqual([]);
  }, 60_000);

  it('in Chromium: a dead delivery gets a Redeliver button that sends it again', async () => {
    const receiver = await flakyReceiver();
    receiver.release();
    // No retry window: the first failure ends the delivery.
    const { page, problems } = await submitFromDashboard(
      { webhookAllowPrivate: true, webhookRetryWindow: 0 },
      receiver.url,
    );

    const dead = page.locator('#deliveries > li[data-state="dead"]');
    await dead.waitFor({ timeout: 20_000 });
    expect(await dead.locator('.state').textContent()).toBe('dead');
    expect(await dead.locator('.attempts .status-code').allTextContents()).toEqual(['500']);
    await dead.locator('button.redeliver').click();
    const delivered = page.locator('#deliveries > li[data-state="delivered"]');
    await delivered.waitFor({ timeout: 20_000 });
    expect(await delivered.locator('.attempts .status-code').allTextContents()).toEqual([
      '500',
      '204',
    ]);
    expect(await delivered.locator('button.redeliver').count()).toBe(0);
    expect(receiver.answers).toEqual([500, 204]);
    expect(problems).toEqual([]);
  }, 60_000);
});
