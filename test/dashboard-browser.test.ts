/**
 * The dashboard in Chromium: submit a demo job from the generated form and watch it through all
 * four transports at once. The counters must tell the patterns apart the way the overview
 * predicts: short polling asks more often than anything changes, long polling asks about once
 * per change, SSE and WebSocket use one connection each — and the timeline must draw exactly
 * that, mark for mark. Saves a screenshot in test-output/. At phone width: nothing wider than
 * the screen, a failed job's error and a finished job's result are shown, and a row's status
 * shows the attempt, the due time and the priority. A job run by an external worker gets a row
 * like any other, with its result.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-web.js';
import { TRANSPORTS, type TransportName } from '../src/client/index.js';
import { launchBrowser } from './helpers/browser.js';
import { RENDER, WORKER_KEY, workOnce } from './helpers/external-worker.js';
import { postJson } from './helpers/http.js';
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
    // By default short polling asks as often as the server's Retry-After says.
    expect(await page.inputValue('#poll-interval')).toBe('');
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

    // The timeline draws what went over the wire: a bar per request, a tick per event.
    const marks = (lane: TransportName, selector: string) =>
      page.locator(`#timeline [data-lane="${lane}"] ${selector}`).count();
    await page.locator('#timeline-detail').waitFor();
    for (const stream of ['sse', 'websocket'] as const) {
      await expect.poll(() => marks(stream, '[data-mark="event"]')).toBe(CHANGES);
      expect(await marks(stream, '[data-mark="request"]')).toBe(1);
    }
    await expect.poll(() => marks('long-poll', '[data-mark="request"]')).toBe(longPoll.requests);
    // One held request per change: every answer was news.
    expect(await marks('long-poll', '[data-news="true"]')).toBe(longPoll.updates);
    const shortPoll = seen['short-poll'];
    await expect.poll(() => marks('short-poll', '[data-mark="request"]')).toBe(shortPoll.requests);
    expect(await marks('short-poll', '[data-news="false"]')).toBe(
      shortPoll.requests - shortPoll.updates,
    );
    // Pointing at a mark says what went over the wire.
    // The event ticks are seq 2, 3, …: the fifth is seq 6.
    const tick = page.locator('#timeline [data-lane="sse"] [data-mark="event"]').nth(4);
    const box = await tick.boundingBox();
    const chart = await page.locator('#timeline svg').boundingBox();
    if (!box || !chart) throw new Error('the timeline is not drawn');
    await page.locator('#timeline svg').hover({
      position: { x: box.x - chart.x + box.width / 2, y: box.y - chart.y + box.height / 2 },
    });
    expect(await page.locator('#timeline-detail').textContent()).toMatch(
      /^Server-sent events: event, seq 6 · \d+ B · delivered \d+ ms after the change · at \d+\.\d\d s$/,
    );

    // The watched job's outcome, once it ended.
    expect(await page.locator('#job-outcome').textContent()).toBe(
      'succeeded — result: {"steps":10,"stepMs":250}',
    );

    // The jobs table heard of the job over its own stream and shows how it ended.
    const row = page.locator('#jobs-table tbody tr').first();
    await row.filter({ hasText: 'succeeded' }).waitFor();
    expect(await row.textContent()).toContain('demo');
    // The server charts are drawing.
    await page.locator('#connections-chart polyline[points*=","]').first().waitFor();

    // What the README shows (docs/dashboard.png is a copy): the form, the panels, the timeline.
    mkdirSync(OUTPUT, { recursive: true });
    // Down to the timeline's bottom edge, in page (not viewport) coordinates.
    const bottom = await page.evaluate<number>(
      "document.getElementById('wire').getBoundingClientRect().bottom + window.scrollY",
    );
    await page.screenshot({
      path: new URL('dashboard.png', OUTPUT).pathname,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1200, height: Math.ceil(bottom + 12) },
    });

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

  it('at phone width (390 px): nothing wider than the screen; a failed job shows its error, a finished one its result', async () => {
    const { url } = await startTestServer();
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${url}/`);
    await page.locator('#input-stepMs').waitFor();

    // Straight from the form: a hash-file job for a file that is not there.
    await page.selectOption('#job-type', 'hash-file');
    await page.fill('#input-path', 'nope.txt');
    await page.click('#submit-job');
    await page.locator('#job-outcome[data-status="failed"]').waitFor();
    expect(await page.locator('#job-outcome').textContent()).toBe(
      'failed — file_not_found: no file "nope.txt"',
    );
    const failedRow = page.locator('#jobs-table tbody tr', { hasText: 'hash-file' });
    await failedRow.locator('td.outcome', { hasText: 'file_not_found' }).waitFor();
    expect(await failedRow.locator('td.outcome').textContent()).toBe(
      'file_not_found: no file "nope.txt"',
    );

    // A primes job from elsewhere: the table shows its count when it ends.
    await postJson(`${url}/jobs`, { type: 'primes', input: { n: 1000 } });
    const primesRow = page.locator('#jobs-table tbody tr', { hasText: 'primes' });
    await primesRow.locator('td.outcome', { hasText: 'result' }).waitFor();
    expect(await primesRow.locator('td.outcome').textContent()).toBe(
      'result: {"n":1000,"count":168}',
    );

    // What the queue adds to a row's status: the attempt out of several, when a waiting job is
    // due, a priority other than 0 (issue 16).
    const retried = await postJson(`${url}/jobs`, {
      type: 'primes',
      input: { n: 500 },
      attempts: 2,
    });
    expect(retried.status).toBe(202);
    const attemptRow = page.locator('#jobs-table tbody tr', { hasText: 'primes' }).first();
    await attemptRow.locator('td.outcome', { hasText: '"n":500' }).waitFor();
    expect(await attemptRow.locator('td.status').textContent()).toBe('succeeded · 1/2');
    const later = await postJson(`${url}/jobs`, {
      type: 'demo',
      input: {},
      delay: 3_600_000,
      priority: 5,
    });
    const { id, runAt } = (await later.json()) as { id: string; runAt: string };
    const laterRow = page.locator(`#jobs-table tbody tr[data-job-id="${id}"]`);
    await laterRow.waitFor();
    const due = await page.evaluate(`new Date(${JSON.stringify(runAt)}).toLocaleTimeString()`);
    expect(await laterRow.locator('td.status').textContent()).toBe(
      `queued · next ${String(due)} · p5`,
    );

    // Nothing sticks out: the page is as wide as the screen, and so is every element in it.
    // (Text, not a function: the tests are type-checked without the DOM's types.)
    const overflow = await page.evaluate(`({
      page: document.documentElement.scrollWidth,
      wider: [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((element) => element.tagName.toLowerCase() + '#' + element.id),
    })`);
    expect(overflow).toEqual({ page: 390, wider: [] });
    // The timeline fits too, its four lanes drawn.
    expect(await page.locator('#timeline [data-lane]').count()).toBe(4);
  }, 60_000);
  it('shows a job run by an external worker like any other: its row, status and result', async () => {
    const { url } = await startTestServer({ workerKeys: `renderer:${WORKER_KEY}` }, [RENDER]);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator('#input-stepMs').waitFor();
    const submitted = await postJson(`${url}/jobs`, { type: 'render', input: { pages: 2 } });
    const { id } = (await submitted.json()) as { id: string };
    const row = page.locator(`#jobs-table tbody tr[data-job-id="${id}"]`);
    await row.waitFor();
    expect(await workOnce(url)).toBe(id);
    await row.locator('td.outcome', { hasText: 'result' }).waitFor();
    expect(await row.locator('td.outcome').textContent()).toBe('result: {"pdf":"report.pdf"}');
    expect(await row.locator('td.status').textContent()).toBe('succeeded');
    expect(await row.textContent()).toContain('render');
  }, 60_000);
});
