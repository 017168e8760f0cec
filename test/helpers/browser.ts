/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core
 * (test tools may not download browsers here), launched with the flags from the testing notes,
 * and closed when the current test finishes. Playwright gives every launch a fresh, empty
 * profile in a temp dir of its own (it refuses a --user-data-dir argument) and removes it on
 * close.
 */
import { chromium, type Browser } from 'playwright-core';
import { onTestFinished } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  onTestFinished(async () => {
    await browser.close();
  });
  return browser;
}
