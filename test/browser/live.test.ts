import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accessibilityProblems } from './support/accessibility';
import { DESKTOP, launchBrowser, screenshot } from './support/browser';
import { createProduct, type CreatedProduct } from './support/catalogue';
import { startImageServer } from './support/images';
import { PEOPLE } from './support/people';
import { startServers, type RunningSystem } from './support/servers';
import { signInToConsole, signInToStorefront } from './support/session';

/** Fewer than a page (12), so every product, and every new one, shows on the first page. */
const NAMES = ['Desk lamp', 'Teapot', 'Armchair', 'Bookshelf', 'Rug', 'Kettle'];

let system: RunningSystem;
let images: Awaited<ReturnType<typeof startImageServer>>;
let browser: Browser;
const products = new Map<string, CreatedProduct>();
const contexts: BrowserContext[] = [];

before(async () => {
  [system, images, browser] = await Promise.all([startServers(), startImageServer(), launchBrowser()]);
  const staff = await system.tokenFor('1', 'staff');
  for (const name of NAMES) products.set(name, await createProduct(system, staff, name, images.url(name)));
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await images?.stop();
  await system?.stop();
});

async function newPage(options: { init?: () => void } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
  contexts.push(context);
  if (options.init) await context.addInitScript(options.init);
  return context.newPage();
}

/** The storefront, open and live; a mark on its window shows later that it was never reloaded. */
async function openStorefront(options: { init?: () => void } = {}): Promise<Page> {
  const page = await newPage(options);
  await page.goto(`${system.mainUrl}/`);
  await page.getByRole('heading', { name: 'Desk lamp' }).waitFor();
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  return page;
}

const indicator = (page: Page) => page.locator('.live-indicator');
const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
const card = (page: Page, title: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
const likesOf = (page: Page, title: string) => card(page, title).locator('.likes');
const staffCall = async (path: string, init: { method: string; body?: unknown }) => {
  const res = await fetch(`${system.adminUrl}${path}`, {
    method: init.method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await system.tokenFor('1', 'staff')}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  assert.ok(res.status < 300, `${init.method} ${path} answered ${res.status}`);
};

describe('the storefront, live', () => {
  test('a like in one page shows in another open page within a second, without a reload', async (t) => {
    const [liker, watcher] = await Promise.all([openStorefront(), openStorefront()]);
    await signInToStorefront(liker, PEOPLE.alice);
    await indicator(watcher).filter({ hasText: 'Live' }).waitFor();
    assert.equal(await indicator(watcher).getAttribute('role'), 'status');
    assert.equal(await indicator(watcher).getAttribute('aria-live'), 'polite');
    // The moment the watcher's count changes, on the page's own clock (the machine's, as the test's).
    await watcher.evaluate(() => {
      const likes = [...document.querySelectorAll('.gallery li')]
        .find((li) => li.querySelector('h3')?.textContent === 'Teapot')!
        .querySelector('.likes')!;
      new MutationObserver(() => {
        if (likes.textContent === '1 like') (window as unknown as { shownAt: number }).shownAt = Date.now();
      }).observe(likes, { childList: true, characterData: true, subtree: true });
    });

    const answered = liker.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/like'));
    await card(liker, 'Teapot').getByRole('button', { name: 'Like Teapot' }).click();
    assert.equal((await answered).status(), 200);
    const answeredAt = Date.now();
    await watcher.waitForFunction(() => (window as unknown as { shownAt?: number }).shownAt !== undefined, undefined, { timeout: 10_000 });
    const shownAt = await watcher.evaluate(() => (window as unknown as { shownAt: number }).shownAt);
    t.diagnostic(`like answered -> count on the other page: ${shownAt - answeredAt} ms`);
    assert.ok(shownAt - answeredAt < 1000, `shown ${shownAt - answeredAt} ms after the like was answered`);
    assert.equal(await likesOf(watcher, 'Teapot').textContent(), '1 like');
    assert.equal(await likesOf(liker, 'Teapot').textContent(), '1 like', "the liker's own page counts it once");
    assert.ok(await notReloaded(watcher));
    await screenshot(watcher, 'storefront-live');
  });

  test('a like taken back in one page goes down in another open page too, without a reload (unlike in two tabs)', async () => {
    const [liker, watcher] = await Promise.all([openStorefront(), openStorefront()]);
    await signInToStorefront(liker, PEOPLE.bob);
    await indicator(watcher).filter({ hasText: 'Live' }).waitFor();
    const button = (pressed: boolean) => card(liker, 'Kettle').getByRole('button', { name: 'Like Kettle', pressed });

    const liked = liker.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/like'));
    await button(false).click();
    assert.equal((await liked).status(), 200);
    await likesOf(watcher, 'Kettle')
      .filter({ hasText: /^1 like$/ })
      .waitFor({ timeout: 10_000 });

    const unliked = liker.waitForResponse((res) => res.request().method() === 'DELETE' && res.url().endsWith('/like'));
    await button(true).click();
    assert.equal((await unliked).status(), 204);
    const answeredAt = Date.now();
    await likesOf(watcher, 'Kettle')
      .filter({ hasText: /^0 likes$/ })
      .waitFor({ timeout: 10_000 });
    const shownAfter = Date.now() - answeredAt;
    assert.ok(shownAfter < 5000, `the other page showed it ${shownAfter} ms after the unlike was answered`);
    await button(false).waitFor();
    assert.equal(await likesOf(liker, 'Kettle').textContent(), '0 likes', "the liker's own page counts it once");
    assert.ok(await notReloaded(watcher));
  });

  test('a product created, renamed and deleted in the console appears, changes and goes on the open storefront', async () => {
    const storefront = await openStorefront();
    const consolePage = await newPage();
    await consolePage.goto(`${system.adminUrl}/admin/products`);
    await signInToConsole(consolePage, PEOPLE.staff);
    await indicator(storefront).filter({ hasText: 'Live' }).waitFor();

    await consolePage.getByRole('link', { name: 'New product' }).click();
    await consolePage.getByLabel('Title', { exact: true }).fill('Lantern');
    await consolePage.getByLabel('Image URL').fill(images.url('Lantern'));
    await consolePage.getByRole('button', { name: 'Create product' }).click();
    await card(storefront, 'Lantern').waitFor({ timeout: 10_000 });
    assert.equal(await likesOf(storefront, 'Lantern').textContent(), '0 likes');

    await consolePage.getByRole('link', { name: 'Edit Rug' }).click();
    await consolePage.getByLabel('Title', { exact: true }).fill('Woollen rug');
    await consolePage.getByRole('button', { name: 'Save changes' }).click();
    await card(storefront, 'Woollen rug').waitFor({ timeout: 10_000 });
    assert.equal(await card(storefront, 'Rug').count(), 0, 'the old title is gone');

    await consolePage.getByRole('button', { name: 'Delete Kettle' }).click();
    await consolePage.getByRole('button', { name: 'Yes, delete' }).click();
    await card(storefront, 'Kettle').waitFor({ state: 'detached', timeout: 10_000 });
    assert.ok(await notReloaded(storefront), 'all of it without a reload');
    assert.deepEqual(await accessibilityProblems(storefront), []);
  });

  test('while main restarts the indicator says reconnecting, then live; what changed meanwhile shows', async () => {
    const storefront = await openStorefront();
    await indicator(storefront).filter({ hasText: 'Live' }).waitFor();
    const armchair = products.get('Armchair')!;
    await system.restartMain(async () => {
      await indicator(storefront).filter({ hasText: 'Reconnecting…' }).waitFor({ timeout: 10_000 });
      await screenshot(storefront, 'storefront-reconnecting');
      // Admin takes the rename; main's consumer applies it once main is back.
      await staffCall(`/api/products/${armchair.id}`, { method: 'PUT', body: { title: 'Leather armchair', image: armchair.image } });
    });
    await indicator(storefront).filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await card(storefront, 'Leather armchair').waitFor({ timeout: 10_000 });
    assert.equal(await card(storefront, 'Armchair').count(), 0);
    assert.ok(await notReloaded(storefront));

    // And the stream goes on after the restart.
    await staffCall(`/api/products/${products.get('Bookshelf')!.id}`, {
      method: 'PUT',
      body: { title: 'Oak bookshelf', image: products.get('Bookshelf')!.image },
    });
    await card(storefront, 'Oak bookshelf').waitFor({ timeout: 10_000 });
    const shown = (await storefront.locator('.gallery h3').allTextContents()).sort();
    const listed = ((await (await fetch(`${system.mainUrl}/api/products?limit=50`)).json()) as { title: string }[])
      .map((p) => p.title)
      .sort();
    assert.deepEqual(shown, listed, 'the page shows exactly what the API lists');
  });

  test('where the browser has no EventSource, the page reads the list again every 15 s and says so', async () => {
    const storefront = await openStorefront({ init: () => Reflect.deleteProperty(window, 'EventSource') });
    await indicator(storefront).filter({ hasText: 'Updated every 15 s' }).waitFor();
    const desk = products.get('Desk lamp')!;
    const res = await fetch(`${system.mainUrl}/api/products/${desk.id}/like`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.tokenFor('fallback-liker', 'customer')}` },
    });
    assert.equal(res.status, 200);
    await likesOf(storefront, 'Desk lamp').filter({ hasText: '1 like' }).waitFor({ timeout: 25_000 });
    assert.ok(await notReloaded(storefront));
  });
});

describe("the console's product table, live", () => {
  test('like counts rise as people like, and fall as they take likes back, without a reload', async () => {
    const consolePage = await newPage();
    await consolePage.goto(`${system.adminUrl}/admin/products`);
    await signInToConsole(consolePage, PEOPLE.staff);
    await consolePage.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const mirror = consolePage.getByRole('row').filter({ has: consolePage.getByRole('rowheader', { name: /^Teapot #\d+$/ }) });
    await mirror.waitFor();
    const before = Number(await mirror.locator('td[data-label="Likes"]').textContent());
    await indicator(consolePage).filter({ hasText: 'Updated every 5 s' }).waitFor();

    const teapot = products.get('Teapot')!;
    const res = await fetch(`${system.mainUrl}/api/products/${teapot.id}/like`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.tokenFor('console-watched', 'customer')}` },
    });
    assert.equal(res.status, 200);
    await mirror
      .locator('td[data-label="Likes"]')
      .filter({ hasText: String(before + 1) })
      .waitFor({ timeout: 20_000 });
    // And fall when the like is taken back (admin counts it down from main's product_unliked).
    const undo = await fetch(`${system.mainUrl}/api/products/${teapot.id}/like`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await system.tokenFor('console-watched', 'customer')}` },
    });
    assert.equal(undo.status, 204);
    await mirror
      .locator('td[data-label="Likes"]')
      .filter({ hasText: String(before) })
      .waitFor({ timeout: 20_000 });
    assert.ok(await notReloaded(consolePage));
  });
});
