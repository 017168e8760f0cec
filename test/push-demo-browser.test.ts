import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { launchBrowser } from './helpers/browser.js';
import { json, postJson } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';
import { wsUrl } from './helpers/ws-client.js';

const PAGE = new URL('../demos/push/index.html', import.meta.url).href;

describe('push demo page', () => {
  it('is served at /push/ with a Content-Security-Policy that allows only its own script', async () => {
    const { url } = await startTestServer();
    const page = await fetch(`${url}/push/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(
      /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/,
    );
    expect(policy).not.toMatch(/unsafe-inline/);
    expect(await page.text()).toContain('<title>Push');
    const bare = await fetch(`${url}/push`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/push/');
  });

  it('in Chromium: chats between two pages opened from disk, as text, and with a page served at /push/', async () => {
    const { url, server } = await startTestServer({ allowNullOrigin: true, wsHeartbeat: 500 });
    const browser = await launchBrowser();
    const open = async (address: string, name: string) => {
      const page = await browser.newPage();
      await page.goto(address);
      await page
        .locator('#state')
        .filter({ hasText: /^open$/ })
        .waitFor();
      await page.fill('#name', name);
      await page.click('#join');
      await page.locator('#send:enabled').waitFor();
      return page;
    };
    const fromDisk = `${PAGE}?server=${encodeURIComponent(wsUrl(url))}`;
    const ada = await open(fromDisk, 'Ada');
    const bob = await open(fromDisk, 'Bob');
    await ada.locator('#users').filter({ hasText: /^2$/ }).waitFor();
    await ada.locator('#messages li', { hasText: 'Bob joined' }).waitFor();

    const hostile = '<img src=x onerror="window.pwned = 1"> hello <b>Bob</b>';
    await ada.fill('#text', hostile);
    await ada.click('#send');
    const received = bob.locator('#messages li', { hasText: 'hello' });
    await received.waitFor();
    expect(await received.textContent()).toBe(`Ada: ${hostile}`);
    expect(await bob.locator('#messages img, #messages b').count()).toBe(0);
    expect(await bob.evaluate("'pwned' in window")).toBe(false);
    await ada.locator('#messages li', { hasText: 'hello' }).waitFor(); // the sender sees it too

    // The application heartbeat reaches the page (browsers cannot see protocol pings).
    await bob.locator('#heartbeat-age', { hasText: 'every 0.5 s' }).waitFor();

    // "Watch a job": paste an id, see its progress pushed live to the end.
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 100 } }),
    );
    await bob.fill('#job-id', job.id);
    await bob.click('#watch');
    await bob.locator('#job-log li', { hasText: 'progress' }).first().waitFor();
    await bob.locator('#job-status', { hasText: 'succeeded, 100%' }).waitFor();
    expect(await bob.evaluate("document.getElementById('job-progress').value")).toBe(100);

    // The same page served by the server (same-host Origin, a Content-Security-Policy).
    const served = await open(`${url}/push/`, 'Cy');
    await bob.locator('#users').filter({ hasText: /^3$/ }).waitFor();
    await served.close();
    await ada.locator('#messages li', { hasText: 'Cy left' }).waitFor();
    expect(await ada.locator('#users').textContent()).toBe('2');

    // The server goes away: the page reconnects with backoff, and the heartbeat age goes on
    // counting how long it has heard nothing (it used to freeze at its last value).
    await server.close();
    await bob.locator('#state', { hasText: 'reconnecting' }).waitFor();
    const ageText = async () => (await bob.locator('#heartbeat-age').textContent()) ?? '';
    await expect.poll(ageText).toMatch(/^\d+\.\d s ago \(the server is gone\)$/);
    const first = Number.parseFloat(await ageText());
    await expect
      .poll(async () => Number.parseFloat(await ageText()), { timeout: 5000 })
      .toBeGreaterThan(first + 1);
    expect(await ageText()).toMatch(/the server is gone/);
  }, 60_000); // Chromium can take a while to start on a loaded machine
});
