/**
 * The dashboard (web/) in Chromium, signed in with a key through its own key form, as a user
 * would. Records every response body (event streams aside: they do not end) and WebSocket frame
 * the page receives, runs `during` while the page is live, and reports what the page shows.
 */
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.js';

export interface DashboardView {
  /** Job ids of the jobs table's rows. */
  rows: string[];
  html: string;
  /** The jobs table's text (ids appear there shortened to 8 characters). */
  table: string;
  /** Response bodies and WebSocket frames the page received. */
  received: string[];
  /** What `during` resolved with. */
  during: number;
}

export async function dashboardAs(
  url: string,
  key: string,
  during: (page: Page) => Promise<number>,
): Promise<DashboardView> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const received: string[] = [];
  page.on('response', (response) => {
    if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    response.text().then(
      (text) => received.push(text),
      () => undefined, // a redirect or a page that went away: no body
    );
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', (frame) => received.push(String(frame.payload)));
  });
  await page.goto(`${url}/`);
  await page.fill('#api-key', key);
  // The form keeps the key in session storage and reloads; the jobs feed then goes live.
  await page.click('#key-form button[type="submit"]');
  await page.locator('#jobs-feed-state', { hasText: 'live' }).waitFor({ timeout: 30_000 });
  const result = await during(page);
  const rowLocators = await page.locator('#jobs-table tbody tr').all();
  const rows = await Promise.all(
    rowLocators.map(async (row) => (await row.getAttribute('data-job-id')) ?? ''),
  );
  return {
    rows,
    html: await page.content(),
    table: (await page.locator('#jobs-table').textContent()) ?? '',
    received,
    during: result,
  };
}
