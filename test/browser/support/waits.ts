import type { Locator, Page } from 'playwright-core';
import { eventually } from '@catalogue/shared/testing';

/**
 * How long one read of the page may wait inside a polling loop. Playwright's own default (30 s)
 * would let a single read outlast the loop's whole deadline, and the failure would then name the
 * read, not the condition.
 */
const READ_MS = 1000;

/** A locator's text, or undefined when it is not there within a short wait. */
export async function textOf(locator: Locator): Promise<string | undefined> {
  return (await locator.textContent({ timeout: READ_MS }).catch(() => null)) ?? undefined;
}

/**
 * Polls `check` (whose page reads should use textOf or their own short timeouts) until it holds;
 * a failure says what the page showed at the end, so a run that failed on a loaded machine tells
 * whether it saw an error, a loading page or other rows.
 */
export async function eventuallyOnPage(
  page: Page,
  check: () => Promise<boolean | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  try {
    await eventually(async () => (await check()) === true, { what, timeoutMs, intervalMs: 100 });
  } catch (err) {
    const shown = await page
      .locator('body')
      .innerText({ timeout: 2000 })
      .catch((reason: unknown) => `(the page's text could not be read: ${(reason as Error).message})`);
    throw new Error(`${(err as Error).message}\nthe page showed:\n${shown.slice(0, 2000)}`, { cause: err });
  }
}
