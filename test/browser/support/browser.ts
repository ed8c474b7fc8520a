import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';
// From test/dist/browser/support/ to the repository's test-results/.
const SCREENSHOTS = path.resolve(__dirname, '../../../../test-results/screenshots');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

/**
 * Headless, quiet (no update checks, sync or background traffic). Playwright gives every launch a
 * fresh temporary profile (--user-data-dir) and every context fresh storage.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Saves a PNG under test-results/screenshots/ (the README's pictures are copied from there): the
 * whole page on a desktop, what the screen shows on a phone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const phone = (page.viewportSize()?.width ?? DESKTOP.width) <= PHONE.width;
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: !phone, animations: 'disabled' });
}

/** How far the page reaches past the viewport's right edge (0 when nothing scrolls sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
