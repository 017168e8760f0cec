/**
 * The dashboard in Chromium: submit a demo job from the generated form and watch it through all
 * four transports at once. The counters must tell the patterns apart the way the overview
 * predicts: short polling asks more often than anything changes, long polling asks about once
 * per change, SSE and WebSocket use one connection each. Saves a screenshot in test-output/.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-web.js';
import { TRANSPORTS, type TransportName } from '../src/client/index.js';
import { launchBrowser } from './helpers/browser.js';
import { startTestServer } from './helpers/test-server.js';

const OUTPUT = new URL('../test-output/', import.meta.url);
/** queued (seq 1, the submit answer), started, 9 progress steps, succeeded: 11 changes after it. */
const CHANGES = 11;

beforeAll(async () => {
  await buildDashboard();
});

async function counters(page: Page, transport: TransportName) {
  const panel = page.locator(`[data-transport="${transport}"]`);
  const read = async (name: string) =>
    Number(await panel.locator(`[data-counter="${name}"]`).textContent());
  return {
    requests: await read('requests'),
    connections: await read('connections'),
    updates: await read('updates'),
    reconnects: await read('reconnects'),
  };
}

describe('dashboard', () => {
  it('in Chromium: one job through four transports, counters as the patterns predict', async () => {
    const { url } = await startTestServer();
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1200, height: 940 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${url}/`);

    // The form comes from GET /job-types: the demo type's stepMs with its schema's limits.
    const stepMs = page.locator('#input-stepMs');
    await stepMs.waitFor();
    expect(await stepMs.getAttribute('min')).toBe('10');
    await stepMs.fill('250');
    await page.fill('#poll-interval', '50');
    await page.click('#submit-job');

    for (const transport of TRANSPORTS) {
      await page
        .locator(`[data-transport="${transport}"][data-status="succeeded"]`)
        .waitFor({ timeout: 30_000 });
    }
    const seen = Object.fromEntries(
      await Promise.all(TRANSPORTS.map(async (t) => [t, await counters(page, t)] as const)),
    ) as Record<TransportName, Awaited<ReturnType<typeof counters>>>;
    console.log('dashboard counters', JSON.stringify(seen));
    for (const transport of TRANSPORTS) {
      const panel = page.locator(`[data-transport="${transport}"]`);
      expect(await panel.getAttribute('data-progress')).toBe('100');
      // <progress value> reflects the property the page sets.
      expect(await panel.locator('progress').getAttribute('value')).toBe('100');
    }
    // Short polling: a request every 50 ms for a change every 250 ms — most bring nothing.
    expect(seen['short-poll'].requests).toBeGreaterThan(seen['short-poll'].updates);
    // Long polling: each answer is a change, then the next request at once.
    const longPoll = seen['long-poll'];
    expect(longPoll.requests).toBeGreaterThanOrEqual(longPoll.updates);
    expect(longPoll.requests).toBeLessThanOrEqual(longPoll.updates + 2);
    // One stream each, every change on it.
    for (const stream of ['sse', 'websocket'] as const) {
      expect(seen[stream]).toMatchObject({ requests: 1, connections: 1, updates: CHANGES });
    }

    // The jobs table heard of the job over its own stream and shows how it ended.
    const row = page.locator('#jobs-table tbody tr').first();
    await row.filter({ hasText: 'succeeded' }).waitFor();
    expect(await row.textContent()).toContain('demo');
    // The server charts are drawing.
    await page.locator('#connections-chart polyline[points*=","]').first().waitFor();

    // What the README shows (docs/dashboard.png is a copy): the form, the panels, the charts.
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: new URL('dashboard.png', OUTPUT).pathname });

    // The chat renders what people send as text.
    await page.fill('#chat-name', 'Ada');
    await page.click('#chat-join-button');
    await page.locator('#chat-send-button:enabled').waitFor();
    const hostile = '<img src=x onerror="window.pwned = 1"> hi';
    await page.fill('#chat-text', hostile);
    await page.click('#chat-send-button');
    const message = page.locator('#chat-messages li', { hasText: 'hi' });
    await message.waitFor();
    expect(await message.textContent()).toBe(`Ada: ${hostile}`);
    expect(await page.locator('#chat-messages img').count()).toBe(0);
    expect(await page.evaluate("'pwned' in window")).toBe(false);

    // No script errors and no Content-Security-Policy violations.
    expect(problems).toEqual([]);
  }, 90_000); // Chromium can take a while to start on a loaded machine
});
