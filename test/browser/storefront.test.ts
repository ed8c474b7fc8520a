import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PRODUCTS, seedDemoCatalogue } from '@catalogue/admin-service/dist/products/demo-catalogue';
import { eventually } from '@catalogue/shared/testing';
import { accessibilityProblems } from './support/accessibility';
import { DESKTOP, horizontalOverflow, launchBrowser, PHONE, screenshot } from './support/browser';
import { startServers, type RunningSystem } from './support/servers';
import { PEOPLE, type Person } from './support/people';
import { fillSignIn, signInToConsole, signInToStorefront } from './support/session';
import { eventuallyOnPage } from './support/waits';

/**
 * The storefront over the demo catalogue (36 products, 3 pages of 12), seeded as `npm run setup`
 * seeds it, with its pictures served by main itself at /demo/: these screenshots are the README's.
 */
let system: RunningSystem;
let browser: Browser;

const FIRST_PAGE = DEMO_PRODUCTS.slice(0, 12).map((p) => p.title);
const SECOND_PAGE = DEMO_PRODUCTS.slice(12, 24).map((p) => p.title);
const LIKED_BY_OTHERS: [string, number][] = [
  ['Walnut floor lamp', 3],
  ['Velvet armchair', 5],
  ['Blue stoneware mug', 2],
  ['Glass carafe', 1],
  ['Terracotta plant pot', 4],
  ['Station wall clock', 2],
];

before(async () => {
  [system, browser] = await Promise.all([startServers(), launchBrowser()]);
  assert.equal(await seedDemoCatalogue(system.adminDataSource, `${system.mainUrl}/demo/`), DEMO_PRODUCTS.length);
  // admin's relay publishes them, main's consumer applies them.
  await eventually(
    async () => ((await (await fetch(`${system.mainUrl}/api/products?limit=100`)).json()) as unknown[]).length === DEMO_PRODUCTS.length,
    {
      what: 'the demo catalogue in main',
      timeoutMs: 30_000,
    },
  );
  // A few likes from other people, so the pictures show a catalogue in use (never on the products the tests count).
  const listed = (await (await fetch(`${system.mainUrl}/api/products?limit=100`)).json()) as { id: number; title: string }[];
  for (const [title, people] of LIKED_BY_OTHERS) {
    const product = listed.find((p) => p.title === title)!;
    for (let i = 0; i < people; i++) {
      const res = await fetch(`${system.mainUrl}/api/products/${product.id}/like`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await system.tokenFor(`shopper-${i}`, 'customer')}` },
      });
      assert.equal(res.status, 200);
    }
  }
  const total = LIKED_BY_OTHERS.reduce((sum, [, people]) => sum + people, 0);
  await eventually(
    async () => Number(((await system.adminDataSource.query('SELECT SUM(likes) AS n FROM products')) as { n: number }[])[0]!.n) === total,
    {
      what: "the likes counted in admin (the console's pictures show them)",
    },
  );
});

after(async () => {
  await browser?.close();
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

const likeButton = (page: Page, title: string, pressed?: boolean) =>
  card(page, title).getByRole('button', { name: `Like ${title}`, exact: true, ...(pressed === undefined ? {} : { pressed }) });
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
/** Every picture on the page has loaded (none is the browser's broken-image icon). */
const picturesLoaded = (page: Page) =>
  page.waitForFunction(
    () => [...document.querySelectorAll<HTMLImageElement>('main img')].every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout: 15_000 },
  );
const announced = (page: Page) => page.locator('p.visually-hidden[role="status"]');

describe('the storefront at /', () => {
  test('shows the demo catalogue with its pictures, titles and like counts, twelve to a page, and moves the focus to each new page', async () => {
    const page = await openStorefront();
    try {
      await page.getByRole('heading', { name: FIRST_PAGE[0] }).waitFor();
      assert.deepEqual(await page.locator('.gallery h3').allTextContents(), FIRST_PAGE);
      const lamp = card(page, FIRST_PAGE[0]!);
      assert.equal(await lamp.locator('.likes').textContent(), '0 likes');
      const picture = lamp.getByRole('img', { name: FIRST_PAGE[0] });
      assert.equal(await picture.getAttribute('src'), `${system.mainUrl}/demo/${DEMO_PRODUCTS[0]!.picture}`);
      await picturesLoaded(page);
      assert.equal(await page.locator('.image-fallback').count(), 0, 'every picture loaded from main');
      await screenshot(page, 'storefront');

      await page.getByRole('button', { name: 'Next →' }).click();
      await page.getByRole('heading', { name: SECOND_PAGE[0] }).waitFor();
      assert.deepEqual(await page.locator('.gallery h3').allTextContents(), SECOND_PAGE);
      assert.equal(await page.locator('[aria-current="page"]').textContent(), 'Page 2');
      await eventually(async () => (await focusedId(page)) === 'gallery-title', { what: "the focus on the new page's heading" });
      assert.equal(await page.locator('#gallery-title').textContent(), 'Products, page 2');
      assert.match(page.url(), /after=/, 'the page is in the address bar, so a reload keeps it');
      await page.reload();
      await page.getByRole('heading', { name: SECOND_PAGE[0] }).waitFor();
      assert.equal(await page.locator('[aria-current="page"]').textContent(), 'Page 2', 'this tab came from page 1: it still knows');

      await page.getByRole('button', { name: '← Previous' }).click();
      await page.getByRole('heading', { name: FIRST_PAGE[0] }).waitFor();
      await eventually(async () => (await focusedId(page)) === 'gallery-title', { what: 'the focus on the first page heading' });
    } finally {
      await page.context().close();
    }
  });

  test('a later page opened by its link alone shows no page number it cannot know, and offers the first page', async () => {
    const first = await fetch(`${system.mainUrl}/api/products?limit=12`);
    const next = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next, 'the first page links to the next');
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await page.goto(`${system.mainUrl}/${new URL(next, system.mainUrl).search}`);
      await page.getByRole('heading', { name: SECOND_PAGE[0] }).waitFor();
      assert.equal(await page.locator('[aria-current="page"]').count(), 0, 'no "Page N" guessed');
      await page.getByRole('button', { name: '← First page' }).click();
      await page.getByRole('heading', { name: FIRST_PAGE[0] }).waitFor();
      assert.equal(await page.locator('[aria-current="page"]').textContent(), 'Page 1');
    } finally {
      await context.close();
    }
  });

  test("a picture that cannot be loaded shows a tile with the title's first letter, never a broken image", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      const teapot = DEMO_PRODUCTS.find((p) => p.title === 'Ceramic teapot')!;
      await page.route(`**/demo/${teapot.picture}`, (route) => route.abort('connectionrefused'));
      await page.goto(`${system.mainUrl}/`);
      const tile = card(page, teapot.title).getByRole('img', { name: 'No picture of Ceramic teapot' });
      await tile.waitFor();
      assert.equal(await tile.textContent(), 'C');
      await picturesLoaded(page);
    } finally {
      await context.close();
    }
  });

  test('a customer likes a product and takes the like back: a toggle that counts at once, stays reachable, and both survive a reload', async () => {
    const page = await openStorefront(DESKTOP, PEOPLE.alice);
    const title = 'Ceramic teapot';
    try {
      const answered = (method: string) => page.waitForResponse((res) => res.request().method() === method && res.url().endsWith('/like'));
      const liked = answered('POST');
      await likeButton(page, title, false).click();
      await likeButton(page, title, true).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '1 like');
      assert.equal((await liked).status(), 200);
      await eventually(async () => (await announced(page).textContent()) === 'You like Ceramic teapot. 1 like.', {
        what: 'the like announced',
      });
      assert.equal(await likeButton(page, title, true).isEnabled(), true, 'a pressed toggle stays usable');
      await picturesLoaded(page);
      await screenshot(page, 'storefront-liked');

      await page.reload();
      await likeButton(page, title, true).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '1 like', 'the API counted it');
      assert.equal(await likeButton(page, 'Rattan stool', false).count(), 1, 'other products are not marked');

      const unliked = answered('DELETE');
      await likeButton(page, title, true).click();
      await likeButton(page, title, false).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '0 likes');
      assert.equal((await unliked).status(), 204);
      await eventually(async () => (await announced(page).textContent()) === 'You no longer like Ceramic teapot. 0 likes.', {
        what: 'the unlike announced',
      });
      await page.reload();
      await likeButton(page, title, false).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '0 likes', 'the API took it back');
    } finally {
      await page.context().close();
    }
  });

  test('a like pressed before signing in opens the sign-in form, is made once signed in, and the focus returns to its button', async () => {
    const page = await openStorefront(DESKTOP, undefined, { bypassCSP: true });
    const title = 'Jute rug';
    try {
      await page.getByRole('button', { name: 'Next →' }).click();
      await card(page, title).waitFor();
      await card(page, title)
        .getByRole('button', { name: `Like ${title} (sign in first)` })
        .click();
      await page.getByRole('heading', { name: 'Sign in to like products' }).waitFor();
      assert.ok(await page.getByLabel('Email').isVisible());
      assert.equal(await card(page, title).locator('.likes').textContent(), '0 likes', 'nothing was counted yet');
      assert.deepEqual(await accessibilityProblems(page), []);

      const liked = page.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/like'));
      // The worst order, made certain: the question "which of these do I like?" asked on signing in is
      // answered by the server before the like is made, and reaches the page after the like's answer.
      // The page must not take that older answer for the newer truth.
      let likesRead!: () => void;
      const likesReadFirst = new Promise<void>((resolve) => (likesRead = resolve));
      await page.route('**/api/products/*/like', async (route) => {
        await likesReadFirst;
        await route.continue();
      });
      await page.route('**/api/me/likes?*', async (route) => {
        const response = await route.fetch();
        likesRead();
        await liked;
        await route.fulfill({ response });
      });
      await fillSignIn(page, PEOPLE.bob);
      await page.getByText(`Signed in as ${PEOPLE.bob.email}`).waitFor();
      assert.equal((await liked).status(), 200, 'the like was made after signing in');
      await likeButton(page, title, true).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '1 like');
      const rug = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      assert.equal(rug, `Like ${title}`, "the focus is back on the product's button");
      const rows: { n: number }[] = await system.mainDataSource.query(
        'SELECT COUNT(*) AS n FROM likes l JOIN products p ON p.id = l.product_id WHERE p.title = ?',
        [title],
      );
      assert.equal(Number(rows[0]!.n), 1, 'liked once');
    } finally {
      await page.context().close();
    }
  });

  test('closing the sign-in form puts the focus back on what opened it', async () => {
    const page = await openStorefront();
    try {
      const armchair = card(page, 'Velvet armchair').getByRole('button', { name: 'Like Velvet armchair (sign in first)' });
      await armchair.click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await eventually(async () => (await focusedId(page)) === (await armchair.getAttribute('id')), {
        what: 'the focus on the like button',
      });
      await page.getByRole('banner').getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await eventually(async () => (await focusedId(page)) === 'banner-sign-in', { what: "the focus on the banner's Sign in" });
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

  for (const [how, stale] of [
    // What a tab holds after admin's signing key changed: a well-formed session whose token main refuses.
    [
      'the API no longer accepts',
      {
        token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl',
        expiresAt: Date.now() + 600_000,
        user: { id: 2, email: PEOPLE.alice.email, role: 'customer' },
      },
    ],
    // A tab opened again after the token's time ran out.
    [
      'that expired while the page was closed',
      {
        token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl',
        expiresAt: Date.now() - 60_000,
        user: { id: 2, email: PEOPLE.alice.email, role: 'customer' },
      },
    ],
  ] as const) {
    test(`a session ${how} ends out loud: the sign-in form says the session ended`, async () => {
      const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
      await context.addInitScript((value) => {
        if (!sessionStorage.getItem('seeded')) {
          localStorage.setItem('catalogue.storefront.session', value);
          sessionStorage.setItem('seeded', 'yes');
        }
      }, JSON.stringify(stale));
      const page = await context.newPage();
      try {
        await page.goto(`${system.mainUrl}/`);
        await page.getByRole('heading', { name: 'Sign in to like products' }).waitFor();
        const notice = page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again to like products.' });
        await notice.waitFor();
        assert.match(
          (await page.getByLabel('Email').getAttribute('aria-describedby')) ?? '',
          new RegExp(String(await notice.getAttribute('id'))),
          'read out with the first field',
        );
        assert.equal(await page.getByText('Signed in as').count(), 0);
        assert.deepEqual(await accessibilityProblems(page), []);
        await fillSignIn(page, PEOPLE.alice);
        await page.getByText(`Signed in as ${PEOPLE.alice.email}`).waitFor();
        assert.equal(await notice.count(), 0, 'the message goes with the form');
      } finally {
        await context.close();
      }
    });
  }

  test('says clearly when the API answers an error, and when it cannot be reached', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await page.route('**/api/products?*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ code: 'dependency_unavailable', message: 'the database is unavailable; try again shortly' }),
        }),
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
      await page.getByRole('heading', { name: FIRST_PAGE[0] }).waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, 'the message goes once the API answers');
    } finally {
      await context.close();
    }
  });

  test('can be used by keyboard alone, liked buttons included, and axe finds no WCAG 2.1 AA problem', async () => {
    const page = await openStorefront(DESKTOP, PEOPLE.bob, { bypassCSP: true });
    const title = FIRST_PAGE[0]!;
    try {
      // From the top of a fresh page load (the session survives it).
      await page.reload();
      await likeButton(page, title).waitFor();
      const focused = () =>
        page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
      const pressed = () => page.evaluate(() => document.activeElement?.getAttribute('aria-pressed'));
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Skip to products');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Sign out');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), `Like ${title}`);
      await page.keyboard.press('Enter');
      await likeButton(page, title, true).waitFor();
      assert.equal(await focused(), `Like ${title}`, 'the pressed button keeps the focus');
      assert.equal(await pressed(), 'true');
      assert.deepEqual(await accessibilityProblems(page), []);

      // A liked product's button is reached like any other (a disabled one would be skipped).
      await page.reload();
      await likeButton(page, title, true).waitFor();
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
      assert.equal(await focused(), `Like ${title}`);
      assert.equal(await pressed(), 'true');
      await page.keyboard.press('Space');
      await likeButton(page, title, false).waitFor();
      assert.equal(await card(page, title).locator('.likes').textContent(), '0 likes');
      // Counts are not live regions: only the person's own action is announced, once.
      assert.equal(await page.locator('.likes[aria-live]').count(), 0);
      assert.deepEqual(await accessibilityProblems(page), []);
    } finally {
      await page.context().close();
    }
  });

  test('fits a phone: one column, nothing scrolls sideways, buttons large enough to tap', async () => {
    const page = await openStorefront(PHONE, PEOPLE.alice);
    try {
      await page.getByRole('heading', { name: FIRST_PAGE[0] }).waitFor();
      assert.equal(await horizontalOverflow(page), 0);
      const button = await likeButton(page, 'Oak dining chair').boundingBox();
      assert.ok(button && button.height >= 44, 'a tap target at least 44px high');
      const [first, second] = await Promise.all([card(page, FIRST_PAGE[0]!).boundingBox(), card(page, FIRST_PAGE[1]!).boundingBox()]);
      assert.ok(first && second && second.y > first.y, 'cards stack in one column');
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>('main img')].slice(0, 2).every((img) => img.complete && img.naturalWidth > 0),
      );
      await screenshot(page, 'storefront-phone');
    } finally {
      await page.context().close();
    }
  });
});

describe('the console over the demo catalogue', () => {
  test('lists the products with their pictures, on a desktop and a phone', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      try {
        await page.goto(`${system.adminUrl}/admin/products`);
        await signInToConsole(page, PEOPLE.staff);
        await eventuallyOnPage(page, async () => (await page.locator('tbody tr').count()) === 20, 'a page of 20 demo products');
        await page.waitForFunction(
          () => [...document.querySelectorAll<HTMLImageElement>('tbody img')].every((img) => img.complete && img.naturalWidth > 0),
          undefined,
          { timeout: 15_000 },
        );
        assert.equal(await page.locator('tbody .image-fallback').count(), 0);
        await screenshot(page, viewport === PHONE ? 'console-products-phone' : 'console-products');
      } finally {
        await context.close();
      }
    }
  });
});
