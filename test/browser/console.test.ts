import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createEvent, EventTypes } from '@catalogue/shared';
import { eventually, publishRaw } from '@catalogue/shared/testing';
import { accessibilityProblems } from './support/accessibility';
import { DESKTOP, horizontalOverflow, launchBrowser, PHONE, screenshot } from './support/browser';
import { createProduct } from './support/catalogue';
import { startImageServer } from './support/images';
import { startServers, type RunningSystem } from './support/servers';
import { PEOPLE } from './support/people';
import { fillSignIn, signInToConsole } from './support/session';
import { eventuallyOnPage, textOf } from './support/waits';

let system: RunningSystem;
let images: Awaited<ReturnType<typeof startImageServer>>;
let browser: Browser;

before(async () => {
  [system, images, browser] = await Promise.all([startServers(), startImageServer(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await images?.stop();
  await system?.stop();
});

/** Opens a console page as staff: the sign-in form comes first, then the page asked for. */
async function openConsole(path: string, viewport = DESKTOP, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  await page.goto(`${system.adminUrl}/admin${path}`);
  await signInToConsole(page, PEOPLE.staff);
  return page;
}

const staffToken = () => system.tokenFor('1', 'staff');

async function idOf(email: string): Promise<number> {
  const rows: { id: number }[] = await system.adminDataSource.query('SELECT id FROM users WHERE email = ?', [email]);
  return Number(rows[0]!.id);
}

/** Reloads the storefront until `check` holds: admin's change reaches main through the broker. */
async function storefrontShows(storefront: Page, check: (titles: string[]) => boolean, what: string): Promise<void> {
  await eventually(
    async () => {
      await storefront.goto(`${system.mainUrl}/`);
      await storefront.locator('.gallery, .notice').first().waitFor();
      return check(await storefront.locator('.gallery h3').allTextContents());
    },
    { what },
  );
}

function row(page: Page, title: string) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${title} #\\d+$`) }) });
}

describe('the admin console at /admin', () => {
  test('staff create, edit and delete a product, and the storefront shows each change', async () => {
    const page = await openConsole('/products');
    const storefront = await page.context().newPage();
    try {
      await page.getByRole('link', { name: 'New product' }).click();
      await page.getByLabel('Title', { exact: true }).fill('Lantern');
      await page.getByLabel('Image URL').fill(images.url('Lantern'));
      await page.getByText('Preview of the picture at this address.').waitFor();
      await screenshot(page, 'console-product-form');
      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByRole('status').filter({ hasText: 'Created “Lantern”.' }).waitFor();
      await row(page, 'Lantern').waitFor();
      await storefrontShows(storefront, (titles) => titles.includes('Lantern'), 'Lantern on the storefront');

      await page.getByRole('link', { name: 'Edit Lantern' }).click();
      await page.getByLabel('Title', { exact: true }).fill('Brass lantern');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved “Brass lantern”.' }).waitFor();
      await storefrontShows(
        storefront,
        (titles) => titles.includes('Brass lantern') && !titles.includes('Lantern'),
        'the new title on the storefront',
      );

      await page.getByRole('button', { name: 'Delete Brass lantern' }).click();
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted “Brass lantern”.' }).waitFor();
      assert.equal(await row(page, 'Brass lantern').count(), 0);
      await storefrontShows(storefront, (titles) => !titles.includes('Brass lantern'), 'the product gone from the storefront');
    } finally {
      await page.context().close();
    }
  });

  test("shows the API's validation messages next to their fields and creates nothing", async () => {
    const page = await openConsole('/products/new');
    try {
      await page.getByLabel('Title', { exact: true }).fill('   ');
      await page.getByLabel('Image URL').fill('ftp://files.example/chair.png');
      await page.getByRole('button', { name: 'Create product' }).click();
      const titleError = page.locator('[data-field="title"]');
      await titleError.waitFor();
      assert.equal(await titleError.textContent(), 'Title must not be empty');
      assert.equal(await page.locator('[data-field="image"]').textContent(), 'Image URL must be an http(s) URL');
      assert.equal(await page.getByLabel('Title', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.match(
        (await page.getByLabel('Title', { exact: true }).getAttribute('aria-describedby')) ?? '',
        /product-title-error/,
        'screen readers hear the reason with the field',
      );
      assert.equal(await page.getByRole('alert').textContent(), 'Please correct the fields marked below.');
      await screenshot(page, 'console-validation');
      const listed = (await (
        await fetch(`${system.adminUrl}/api/products`, { headers: { authorization: `Bearer ${await staffToken()}` } })
      ).json()) as { title: string; image: string }[];
      assert.ok(!listed.some((p) => p.image === 'ftp://files.example/chair.png'));
    } finally {
      await page.context().close();
    }
  });

  test('the product table searches, sorts and pages, with like counts', async () => {
    const staff = await staffToken();
    for (let i = 1; i <= 22; i++) await createProduct(system, staff, `Chair ${String(i).padStart(2, '0')}`, images.url(`Chair ${i}`));
    await createProduct(system, staff, 'Floor lamp', images.url('Floor lamp'));
    const page = await openConsole('/products');
    try {
      await row(page, 'Chair 01').waitFor();
      assert.equal(await page.locator('tbody tr').count(), 20);
      await page.getByRole('button', { name: 'Next →' }).click();
      await row(page, 'Floor lamp').waitFor();
      await page.getByRole('button', { name: '← Previous' }).click();
      await row(page, 'Chair 01').waitFor();

      await page.getByLabel('Search products by title').fill('lamp');
      await page.getByRole('button', { name: 'Search' }).click();
      await row(page, 'Floor lamp').waitFor();
      await eventually(async () => (await row(page, 'Chair 01').count()) === 0, { what: 'the chairs filtered out' });
      assert.match(page.url(), /q=lamp/);

      await page.getByLabel('Search products by title').fill('');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByLabel('Sort').selectOption({ label: 'Title Z–A' });
      await eventuallyOnPage(
        page,
        async () => (await textOf(page.locator('tbody th').first()))?.startsWith('Floor lamp'),
        'Floor lamp first, Z to A',
      );
      assert.doesNotMatch(page.url(), /q=/, 'the cleared search stays cleared when the sort changes right after');
      assert.equal(await page.locator('tbody tr').count(), 20, 'every product, not only those of the search');
      assert.equal(await row(page, 'Floor lamp').locator('td[data-label="Likes"]').textContent(), '0');
      await screenshot(page, 'console-products-sorted');
    } finally {
      await page.context().close();
    }
  });

  test('paging lives in the address, and an edit returns to the list as it was left: search, sort, page and its Previous', async () => {
    const staff = await staffToken();
    for (let i = 1; i <= 24; i++) await createProduct(system, staff, `Stool ${String(i).padStart(2, '0')}`, images.url(`Stool ${i}`));
    const page = await openConsole('/products?q=stool&sort=title');
    try {
      await row(page, 'Stool 01').waitFor();
      await page.getByRole('button', { name: 'Next →' }).click();
      await row(page, 'Stool 21').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 2');
      assert.match(page.url(), /q=stool/);
      assert.match(page.url(), /sort=title/);
      assert.match(page.url(), /(cursor|after)=/, 'the page is in the address');
      await eventually(async () => (await page.evaluate(() => document.activeElement?.id)) === 'products-list-title', {
        what: 'the focus on the new page',
      });
      await page.reload();
      await row(page, 'Stool 21').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 2', 'a reload keeps the page');

      await page.getByRole('link', { name: 'Edit Stool 22' }).click();
      await page.getByLabel('Title', { exact: true }).fill('Stool 22 (oak)');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved “Stool 22 (oak)”.' }).waitFor();
      await row(page, 'Stool 22 \\(oak\\)').waitFor();
      assert.equal(await page.getByLabel('Search products by title').inputValue(), 'stool', 'the search it came from');
      assert.equal(await page.getByLabel('Sort').inputValue(), 'title', 'the sort it came from');
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 2', 'the page it came from');

      await page.getByRole('link', { name: 'Edit Stool 23' }).click();
      await page.getByRole('link', { name: 'Cancel' }).click();
      await row(page, 'Stool 23').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 2');

      await page.getByRole('button', { name: '← Previous' }).click();
      await row(page, 'Stool 01').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 1');
      assert.doesNotMatch(page.url(), /(cursor|after)=/);
    } finally {
      await page.context().close();
    }
  });

  test('a later page opened by its address alone shows no page number it cannot know, and offers the first page', async () => {
    const staff = await staffToken();
    for (let i = 1; i <= 21; i++) await createProduct(system, staff, `Bench ${String(i).padStart(2, '0')}`, images.url(`Bench ${i}`));
    const first = await fetch(`${system.adminUrl}/api/products?limit=20&q=bench&sort=title`, {
      headers: { authorization: `Bearer ${staff}` },
    });
    const next = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    const address = new URL(next, system.adminUrl).searchParams;
    address.delete('limit');
    const page = await openConsole(`/products?${address.toString()}`);
    try {
      await row(page, 'Bench 21').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').count(), 0);
      await page.getByRole('button', { name: '← First page' }).click();
      await row(page, 'Bench 01').waitFor();
      assert.equal(await page.locator('.pager [aria-current="page"]').textContent(), 'Page 1');
    } finally {
      await page.context().close();
    }
  });

  test('the edit page of a product that does not exist, or of an id that is not one, says so and shows no form', async () => {
    const page = await openConsole('/products/2147480000/edit', DESKTOP, { bypassCSP: true });
    try {
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /There is no product 2147480000: it may have been deleted\./);
      assert.equal(await page.locator('form').count(), 0, 'no form to fill in for nothing');
      assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
      assert.deepEqual(await accessibilityProblems(page), []);
      await page.getByRole('link', { name: 'Back to the products' }).click();
      await page.getByRole('heading', { name: 'Products', exact: true }).waitFor();

      await page.goto(`${system.adminUrl}/admin/products/lamp/edit`);
      await page.getByRole('alert').filter({ hasText: '“lamp” is not a product id' }).waitFor();
      assert.equal(await page.locator('form').count(), 0);
    } finally {
      await page.context().close();
    }
  });

  test('the form previews the picture, says when it cannot be loaded, and still saves; the table shows the same tile as the storefront', async () => {
    const page = await openConsole('/products/new', DESKTOP, { bypassCSP: true });
    try {
      await page.getByLabel('Title', { exact: true }).fill('Mystery box');
      await page.getByLabel('Image URL').fill(images.url('Mystery box'));
      const preview = page.locator('.image-preview img');
      await preview.waitFor();
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.image-preview img');
        return img !== null && img.complete && img.naturalWidth > 0;
      });
      assert.equal(await preview.getAttribute('src'), images.url('Mystery box'));

      // An address nothing answers at (a closed port on this machine).
      const unreachable = 'http://127.0.0.1:9/mystery-box.png';
      await page.getByLabel('Image URL').fill(unreachable);
      const note = page.locator('#image-preview-note');
      await note
        .filter({ hasText: 'This picture could not be loaded from that address. You can still save it' })
        .waitFor({ timeout: 15_000 });
      assert.equal(await note.getAttribute('role'), 'status');
      assert.match(
        (await page.getByLabel('Image URL').getAttribute('aria-describedby')) ?? '',
        /image-preview-note/,
        'read out with the field',
      );
      assert.equal(await page.locator('.image-preview').getByRole('img', { name: 'No picture of Mystery box' }).textContent(), 'M');
      assert.deepEqual(await accessibilityProblems(page), []);
      await screenshot(page, 'console-image-preview');

      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByRole('status').filter({ hasText: 'Created “Mystery box”.' }).waitFor();
      await page.getByLabel('Search products by title').fill('mystery');
      await page.getByRole('button', { name: 'Search' }).click();
      await row(page, 'Mystery box').locator('.image-fallback').waitFor();
      assert.equal(await row(page, 'Mystery box').locator('img').count(), 0, 'no broken-image icon in the table');
    } finally {
      await page.context().close();
    }
  });

  for (const [how, session] of [
    [
      'a token admin refuses',
      {
        token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
        expiresAt: Date.now() + 600_000,
        user: { id: 1, email: PEOPLE.staff.email, role: 'staff' },
      },
    ],
    [
      'a token that expired while the page was closed',
      {
        token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
        expiresAt: Date.now() - 60_000,
        user: { id: 1, email: PEOPLE.staff.email, role: 'staff' },
      },
    ],
  ] as const) {
    test(`a session with ${how} ends out loud: the sign-in form says so, and signing in goes on where it was`, async () => {
      const context = await browser.newContext({ viewport: DESKTOP });
      await context.addInitScript((value) => {
        if (!sessionStorage.getItem('seeded')) {
          localStorage.setItem('catalogue.console.session', value);
          sessionStorage.setItem('seeded', 'yes');
        }
      }, JSON.stringify(session));
      const page = await context.newPage();
      try {
        await page.goto(`${system.adminUrl}/admin/users`);
        await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
        await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again to go on where you were.' }).waitFor();
        await fillSignIn(page, PEOPLE.staff);
        await page.getByRole('heading', { name: 'Users' }).waitFor();
        assert.equal(await page.getByText('Your session has ended').count(), 0);
        await eventually(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Users', {
          what: "the focus on the page's heading after signing in",
        });
      } finally {
        await context.close();
      }
    });
  }

  test('the users page lists the users with their roles', async () => {
    const page = await openConsole('/users');
    try {
      const user = (email: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: email }) });
      await user('alice@example.com').waitFor();
      assert.deepEqual(await user('alice@example.com').locator('td').allTextContents(), [
        'Alice Liddell',
        'customer',
        String(await idOf('alice@example.com')),
      ]);
      assert.equal(await user('staff@example.com').locator('td').nth(1).textContent(), 'staff');
      assert.ok(await page.getByRole('cell', { name: 'Bob Marley' }).isVisible());
      await screenshot(page, 'console-users');
    } finally {
      await page.context().close();
    }
  });

  test('paging on the users page lives in the address: a reload keeps the page, Back and Previous step back, and a page opened by its address alone offers the first page', async () => {
    // 55 more than the three people: two pages of the console's 50.
    const tag = Date.now();
    const readers = Array.from({ length: 55 }, (_, i) => ({
      email: `reader-${tag}-${String(i + 1).padStart(2, '0')}@example.com`,
      name: `Reader ${i + 1}`,
    }));
    await system.addUsers(readers);
    const lastReader = readers.at(-1)!.email;
    const page = await openConsole('/users');
    const user = (p: Page, email: string) => p.getByRole('row').filter({ has: p.getByRole('rowheader', { name: email, exact: true }) });
    const pageLabel = (p: Page) => p.locator('.pager [aria-current="page"]');
    try {
      await user(page, PEOPLE.alice.email).waitFor();
      assert.equal(await pageLabel(page).textContent(), 'Page 1');
      assert.equal(await page.locator('tbody tr').count(), 50);
      await page.getByRole('button', { name: 'Next →' }).click();
      await user(page, lastReader).waitFor();
      assert.equal(await user(page, PEOPLE.alice.email).count(), 0);
      assert.equal(await pageLabel(page).textContent(), 'Page 2');
      const secondPage = new URL(page.url());
      assert.match(secondPage.search, /^\?after=\d+$/, "the API's cursor is in the address");
      await eventually(async () => (await page.evaluate(() => document.activeElement?.id)) === 'users-list-title', {
        what: 'the focus on the new page',
      });

      await page.reload();
      await user(page, lastReader).waitFor();
      assert.equal(await pageLabel(page).textContent(), 'Page 2', 'a reload keeps the page and its number');

      await page.goBack();
      await user(page, PEOPLE.alice.email).waitFor();
      assert.equal(await pageLabel(page).textContent(), 'Page 1', "the browser's Back steps back a page");
      assert.doesNotMatch(page.url(), /after=/);
      await page.goForward();
      await user(page, lastReader).waitFor();
      assert.equal(await pageLabel(page).textContent(), 'Page 2');
      await page.getByRole('button', { name: '← Previous' }).click();
      await user(page, PEOPLE.alice.email).waitFor();
      assert.equal(await pageLabel(page).textContent(), 'Page 1');
      assert.equal(await page.getByRole('button', { name: '← Previous' }).isDisabled(), true);

      // A shared link: the address names the cursor, not how deep it is.
      const shared = await openConsole(`/users${secondPage.search}`, DESKTOP, { bypassCSP: true });
      try {
        await user(shared, lastReader).waitFor();
        assert.equal(await pageLabel(shared).count(), 0, 'no guessed page number');
        assert.equal(await shared.locator('#users-list-title').textContent(), 'In id order');
        assert.deepEqual(await accessibilityProblems(shared), []);
        await shared.getByRole('button', { name: '← First page' }).click();
        await user(shared, PEOPLE.alice.email).waitFor();
        assert.equal(await pageLabel(shared).textContent(), 'Page 1');
        assert.equal(await shared.locator('#users-list-title').textContent(), 'In id order, page 1');
      } finally {
        await shared.context().close();
      }
    } finally {
      await page.context().close();
    }
  });

  test("the operations page shows each service's health, the outbox backlogs and the dead-letter queues", async () => {
    // A message main cannot read: its consumer dead-letters it.
    await publishRaw(system.topology.adminExchange, 'product_created', 'not json', { messageId: 'poison-1' });
    const page = await openConsole('/operations');
    try {
      const health = page.locator('tr[data-service]');
      await health.first().waitFor();
      assert.deepEqual(await health.locator('th').allTextContents(), ['admin-service', 'main-service']);
      assert.deepEqual(await health.locator('td:nth-child(2)').allTextContents(), ['ok', 'ok']);
      const outbox = page.getByRole('table').nth(1);
      assert.deepEqual(await outbox.locator('tbody td.num').allTextContents(), ['0', '0'], 'admin and main: nothing waiting');
      const depth = (queue: RegExp) =>
        page
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name: queue }) })
          .locator('td')
          .textContent();
      await eventually(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await depth(/main\.dead-letter$/)) === '1';
        },
        { what: 'the poison message counted in main.dead-letter' },
      );
      assert.equal(await depth(/admin\.dead-letter$/), '0');

      // A good like that admin's consumer dead-lettered while something was broken: staff replay it by clicking.
      const lamp = await createProduct(system, await staffToken(), 'Dead-letter lamp', images.url('Dead-letter lamp'));
      const like = createEvent(EventTypes.ProductLiked, { productId: lamp.id, userId: 'replayed-user' });
      await publishRaw('', system.topology.adminDeadLetterQueue, JSON.stringify(like), {
        messageId: like.id,
        type: like.type,
        headers: {
          'x-dead-letter-reason': 'handler failed: the database was unreachable',
          'x-original-exchange': system.topology.mainExchange,
          'x-original-routing-key': like.type,
        },
      });
      await page.getByRole('button', { name: 'Refresh' }).click();
      const letter = page.locator(`tr[data-message-id="${like.id}"]`);
      await letter.waitFor();
      assert.match((await letter.textContent()) ?? '', /product_liked.*handler failed: the database was unreachable/);
      assert.equal(await page.locator('tr[data-message-id="poison-1"]').count(), 1, "main's poison is listed too");
      await screenshot(page, 'console-operations');

      await letter.getByRole('button', { name: `Replay ${like.id}` }).click();
      await page.getByRole('status').filter({ hasText: 'Replayed 1 message.' }).waitFor();
      await letter.waitFor({ state: 'detached' });
      await eventually(async () => (await depth(/admin\.dead-letter$/)) === '0', { what: 'the dead-letter count back to 0 after replay' });
      await eventually(
        async () => {
          const rows: { likes: number }[] = await system.adminDataSource.query('SELECT likes FROM products WHERE id = ?', [lamp.id]);
          return Number(rows[0]?.likes) === 1;
        },
        { what: 'the replayed like counted once' },
      );
      assert.equal(await page.locator('tr[data-message-id="poison-1"]').count(), 1, 'only the chosen message was replayed');
    } finally {
      await page.context().close();
    }
  });

  test('a wrong password is refused with a clear message', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await page.goto(`${system.adminUrl}/admin/`);
      await fillSignIn(page, { email: PEOPLE.staff.email, password: 'a-guess' });
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(await alert.textContent(), 'That email and password do not match an account.');
      assert.equal(await page.getByRole('navigation', { name: 'Console' }).count(), 0);
      await screenshot(page, 'console-sign-in-refused');
    } finally {
      await context.close();
    }
  });

  test('a customer who signs in to the console is told it is for staff', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await page.goto(`${system.adminUrl}/admin/products`);
      await fillSignIn(page, PEOPLE.alice);
      await page.getByRole('alert').filter({ hasText: 'The console is for staff' }).waitFor();
      assert.equal(await page.getByRole('table').count(), 0);
    } finally {
      await page.context().close();
    }
  });

  test('axe finds no WCAG 2.1 AA problem on the products, form, users and operations pages', async () => {
    const page = await openConsole('/products', DESKTOP, { bypassCSP: true });
    try {
      const pages: [string, () => Promise<void>][] = [
        ['/products', () => page.locator('tbody tr').first().waitFor()],
        ['/products/new', () => page.getByLabel('Title', { exact: true }).waitFor()],
        ['/users', () => page.locator('tbody tr').first().waitFor()],
        ['/operations', () => page.locator('tr[data-service]').first().waitFor()],
      ];
      for (const [path, ready] of pages) {
        await page.goto(`${system.adminUrl}/admin${path}`);
        await ready();
        assert.deepEqual(await accessibilityProblems(page), [], path);
      }
    } finally {
      await page.context().close();
    }
  });

  test('fits a phone: the table and forms need no sideways scrolling', async () => {
    const page = await openConsole('/products', PHONE);
    try {
      await page.locator('tbody tr').first().waitFor();
      assert.equal(await horizontalOverflow(page), 0, 'products page');
      await page.getByRole('link', { name: 'New product' }).click();
      await page.getByLabel('Title', { exact: true }).waitFor();
      assert.equal(await horizontalOverflow(page), 0, 'product form');
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.locator('tr[data-service]').first().waitFor();
      assert.equal(await horizontalOverflow(page), 0, 'operations page');
    } finally {
      await page.context().close();
    }
  });
});
