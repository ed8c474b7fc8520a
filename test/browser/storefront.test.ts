import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessibilityProblems } from './support/accessibility';
import { DESKTOP, horizontalOverflow, launchBrowser, PHONE, screenshot } from './support/browser';
import { createProduct, type CreatedProduct } from './support/catalogue';
import { startImageServer } from './support/images';
import { startServers, type RunningSystem } from './support/servers';
import { PEOPLE, type Person } from './support/people';
import { fillSignIn, signInToStorefront } from './support/session';

const NAMES = ['Desk lamp', 'Teapot', 'Armchair', 'Bookshelf', 'Rug', 'Kettle', 'Mirror', 'Vase', 'Clock', 'Plant pot', 'Cushion', 'Candle', 'Stool', 'Blanket'];

let system: RunningSystem;
let images: Awaited<ReturnType<typeof startImageServer>>;
let browser: Browser;
let products: CreatedProduct[];

before(async () => {
  [system, images, browser] = await Promise.all([startServers(), startImageServer(), launchBrowser()]);
  const staff = await system.tokenFor('1', 'staff');
  products = [];
  for (const name of NAMES) products.push(await createProduct(system, staff, name, images.url(name)));
});

after(async () => {
  await browser?.close();
  await images?.stop();
  await system?.stop();
});

async function openStorefront(viewport = DESKTOP, person?: Person, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  await page.goto(`${system.mainUrl}/`);
  if (person) await signInToStorefront(page, person);
  return page;
}

function card(page: Page, title: string) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

describe('the storefront at /', () => {
  test('shows products with their pictures, titles and like counts, twelve to a page', async () => {
    const page = await openStorefront();
    try {
      await page.getByRole('heading', { name: 'Desk lamp' }).waitFor();
      assert.equal(await page.locator('.gallery > li').count(), 12);
      const lamp = card(page, 'Desk lamp');
      assert.equal(await lamp.locator('.likes').textContent(), '0 likes');
      const picture = lamp.getByRole('img', { name: 'Desk lamp' });
      assert.equal(await picture.getAttribute('src'), products[0]!.image);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.gallery img')].every((img) => img.complete && img.naturalWidth > 0));
      await screenshot(page, 'storefront');

      await page.getByRole('button', { name: 'Next →' }).click();
      await page.getByRole('heading', { name: 'Blanket' }).waitFor();
      assert.deepEqual(await page.locator('.gallery h3').allTextContents(), ['Stool', 'Blanket']);
      assert.match(page.url(), /after=/, 'the page is in the address bar, so a reload keeps it');
      await page.reload();
      await page.getByRole('heading', { name: 'Blanket' }).waitFor();

      await page.getByRole('button', { name: '← Previous' }).click();
      await page.getByRole('heading', { name: 'Desk lamp' }).waitFor();
    } finally {
      await page.context().close();
    }
  });

  test('a customer signs in, likes a product: the count rises at once, and it is still liked after a reload', async () => {
    const page = await openStorefront(DESKTOP, PEOPLE.alice);
    try {
      const teapot = card(page, 'Teapot');
      const likeButton = teapot.getByRole('button', { name: 'Like Teapot' });
      // The page shows the like at once; the reload below must come after the API has answered.
      const answered = page.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/like'));
      await likeButton.click();
      await teapot.getByRole('button', { name: 'Liked Teapot' }).waitFor();
      assert.equal(await teapot.locator('.likes').textContent(), '1 like');
      assert.equal(await teapot.getByRole('button', { name: 'Liked Teapot' }).getAttribute('aria-pressed'), 'true');

      assert.equal((await answered).status(), 200);
      await page.reload();
      const again = card(page, 'Teapot');
      await again.getByRole('button', { name: 'Liked Teapot' }).waitFor();
      assert.equal(await again.locator('.likes').textContent(), '1 like', 'the API counted it');
      assert.ok(await again.getByRole('button', { name: 'Liked Teapot' }).isDisabled());
      assert.ok(await card(page, 'Armchair').getByRole('button', { name: 'Like Armchair' }).isEnabled(), 'other products are not marked');
      await screenshot(page, 'storefront-liked');
    } finally {
      await page.context().close();
    }
  });

  test('a visitor who is not signed in is asked to sign in when liking, with a labelled form', async () => {
    const page = await openStorefront(DESKTOP, undefined, { bypassCSP: true });
    try {
      await card(page, 'Rug').getByRole('button', { name: 'Like Rug (sign in first)' }).click();
      await page.getByRole('heading', { name: 'Sign in to like products' }).waitFor();
      assert.ok(await page.getByLabel('Email').isVisible());
      assert.ok(await page.getByLabel('Password').isVisible());
      assert.equal(await card(page, 'Rug').locator('.likes').textContent(), '0 likes', 'nothing was counted');
      assert.deepEqual(await accessibilityProblems(page), []);
    } finally {
      await page.context().close();
    }
  });

  test('a wrong password is refused with a clear message, and nobody is signed in', async () => {
    const page = await openStorefront();
    try {
      await page.getByRole('banner').getByRole('button', { name: 'Sign in', exact: true }).click();
      await fillSignIn(page, { email: PEOPLE.alice.email, password: 'not-her-password' });
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(await alert.textContent(), 'That email and password do not match an account.');
      assert.equal(await page.getByText('Signed in as').count(), 0);
      await screenshot(page, 'storefront-sign-in-refused');
    } finally {
      await page.context().close();
    }
  });

  test('a session the API no longer accepts ends with a message, and liking asks to sign in again', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    // What a tab holds after admin's signing key changed: a well-formed session whose token main refuses.
    const stale = { token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl', expiresAt: Date.now() + 600_000, user: { id: 2, email: PEOPLE.alice.email, role: 'customer' } };
    await context.addInitScript((value) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('catalogue.storefront.session', value);
        sessionStorage.setItem('seeded', 'yes');
      }
    }, JSON.stringify(stale));
    const page = await context.newPage();
    try {
      await page.goto(`${system.mainUrl}/`);
      await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again to like products.' }).waitFor();
      assert.equal(await page.getByText('Signed in as').count(), 0);
      await card(page, 'Vase').getByRole('button', { name: 'Like Vase (sign in first)' }).click();
      await page.getByRole('heading', { name: 'Sign in to like products' }).waitFor();
      assert.equal(await card(page, 'Vase').locator('.likes').textContent(), '0 likes');
    } finally {
      await context.close();
    }
  });

  test('says clearly when the API answers an error, and when it cannot be reached', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await page.route('**/api/products?*', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'dependency_unavailable', message: 'the database is unavailable; try again shortly' }) }),
      );
      await page.goto(`${system.mainUrl}/`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /could not load the products\. The database is unavailable; try again shortly\./);
      await screenshot(page, 'storefront-error');

      await page.unroute('**/api/products?*');
      await page.route('**/api/products?*', (route) => route.abort('connectionrefused'));
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByText('The server could not be reached').waitFor();

      await page.unroute('**/api/products?*');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('heading', { name: 'Desk lamp' }).waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, 'the message goes once the API answers');
    } finally {
      await context.close();
    }
  });

  test('can be used by keyboard alone, and axe finds no WCAG 2.1 AA problem (labels, names, contrast)', async () => {
    const page = await openStorefront(DESKTOP, PEOPLE.bob, { bypassCSP: true });
    try {
      // From the top of a fresh page load (the session survives it).
      await page.reload();
      await card(page, 'Desk lamp').getByRole('button').waitFor();
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Skip to products');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Sign out');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Like Desk lamp');
      await page.keyboard.press('Enter');
      await card(page, 'Desk lamp').getByRole('button', { name: 'Liked Desk lamp' }).waitFor();
      assert.deepEqual(await accessibilityProblems(page), []);
    } finally {
      await page.context().close();
    }
  });

  test('fits a phone: one column, nothing scrolls sideways, buttons large enough to tap', async () => {
    const page = await openStorefront(PHONE, PEOPLE.alice);
    try {
      await page.getByRole('heading', { name: 'Desk lamp' }).waitFor();
      assert.equal(await horizontalOverflow(page), 0);
      const button = await card(page, 'Mirror').getByRole('button').boundingBox();
      assert.ok(button && button.height >= 44, 'a tap target at least 44px high');
      const [first, second] = await Promise.all([card(page, 'Desk lamp').boundingBox(), card(page, 'Teapot').boundingBox()]);
      assert.ok(first && second && second.y > first.y, 'cards stack in one column');
      await screenshot(page, 'storefront-phone');
    } finally {
      await page.context().close();
    }
  });
});
