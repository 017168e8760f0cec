/**
 * The dashboard's schedules list in Chromium (web/src/schedules-table.ts): a schedule created
 * through the API appears with its cron expression, time zone, type, state and next run; its
 * ticks show up as its last job; Pause on the row pauses it on the server and the row says so,
 * and a resume made elsewhere (the SDK) reaches the list on its next read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-web.js';
import { createClient } from '../src/client/index.js';
import { launchBrowser } from './helpers/browser.js';
import { startTestServer } from './helpers/test-server.js';

beforeAll(async () => {
  await buildDashboard();
});

describe('dashboard schedules', () => {
  it('in Chromium: lists a created schedule, follows its ticks, and pauses it from the row', async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const schedule = await client.schedules.create({
      cron: '* * * * * *',
      timezone: 'Europe/Berlin',
      type: 'demo',
      input: { stepMs: 10 },
    });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1200, height: 940 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${url}/`);

    const row = page.locator(`#schedules-table tbody tr[data-schedule-id="${schedule.id}"]`);
    await row.waitFor();
    const cell = (name: string) => row.locator(`td.${name}`).textContent();
    expect(await cell('cron')).toBe('* * * * * *');
    expect(await cell('timezone')).toBe('Europe/Berlin');
    expect(await cell('type')).toBe('demo');
    expect(await cell('paused')).toBe('active');
    expect(await cell('next-run')).toMatch(/^next \d/);
    // A tick a second: the list's next read shows the job the latest tick created.
    await expect
      .poll(async () => row.locator('td.last-job').getAttribute('title'), { timeout: 15_000 })
      .toMatch(/^[0-9a-f-]{36}$/);
    const lastJobId = (await row.locator('td.last-job').getAttribute('title')) ?? '';
    expect((await client.get(lastJobId)).type).toBe('demo');

    await row.locator('td.action button').click();
    await page
      .locator(`#schedules-table tr[data-schedule-id="${schedule.id}"][data-paused="true"]`)
      .waitFor({ timeout: 10_000 });
    expect((await client.schedules.get(schedule.id)).paused).toBe(true); // on the server, too
    expect(await cell('paused')).toBe('paused');
    expect(await cell('next-run')).toBe('–');
    expect(await row.locator('td.action button').textContent()).toBe('Resume');

    // Resumed through the SDK, not the page: the list's next read shows it.
    await client.schedules.resume(schedule.id);
    await page
      .locator(`#schedules-table tr[data-schedule-id="${schedule.id}"][data-paused="false"]`)
      .waitFor({ timeout: 10_000 });
    expect(await cell('paused')).toBe('active');
    expect(problems).toEqual([]);
  }, 60_000);
});
