import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startAdmin, type AdminUnderTest } from '@catalogue/admin-service/dist/test-support';
import { startMain, tokenFor, type MainUnderTest } from '@catalogue/main-service/dist/test-support';
import { parseListQuery, SEARCH_LIMIT_MAX, withTimeLimit } from '@catalogue/shared';

/**
 * Searches can be made expensive: words the full-text index does not hold become `LIKE '%w%'`
 * over every live product, and random words defeat the list cache. A costly search must be
 * refused up front or cut off by the database, with a clear answer, while the list and likes keep
 * answering.
 */
const CATALOGUE = 30_000;

let main: MainUnderTest;
/** The same service with a small per-address search budget. */
let braked: MainUnderTest;
let admin: AdminUnderTest;

/** Many products with long titles, written by the database itself in one statement. */
async function fill(dataSource: MainUnderTest['dataSource'], columns: string): Promise<void> {
  await dataSource.query('SET SESSION max_recursive_iterations = 1000000');
  await dataSource.query(
    `INSERT INTO products (${columns}) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT ${columns.includes('version') ? 'i, ' : ''}CONCAT('Walnut lamp ', i, ' ', REPEAT('lorem ipsum dolor sit amet ', 6)), 'https://img.example/p.png'${columns.includes('version') ? ', 1' : ''} FROM n`,
    [CATALOGUE],
  );
}

before(async () => {
  [main, braked, admin] = await Promise.all([
    // A time limit far below what reading every row takes, so the cut-off is certain on any machine.
    startMain({ SEARCH_TIME_LIMIT_MS: '1', SEARCHES_PER_MINUTE_PER_ADDRESS: '100000', LIKES_PER_MINUTE_PER_ADDRESS: '100000' }),
    startMain({ SEARCHES_PER_MINUTE_PER_ADDRESS: '3', PRODUCT_LIST_CACHE_MS: '60000' }),
    startAdmin({ SEARCH_TIME_LIMIT_MS: '1' }, { waitForConsumer: false }),
  ]);
  await Promise.all([fill(main.dataSource, 'id, title, image, version'), fill(admin.db, 'title, image')]);
  await braked.dataSource.query(
    "INSERT INTO products (id, title, image, version) VALUES (1, 'Desk lamp', 'https://img.example/1.png', 1), (2, 'Floor lamp', 'https://img.example/2.png', 1)",
  );
});
after(async () => {
  await Promise.all([main?.stop(), braked?.stop(), admin?.stop()]);
});

describe('costly searches', () => {
  test('a search of many short or common words is refused with 400 search_too_costly, before any statement', async () => {
    const res = await request(main.app).get('/api/products').query({ q: 'a to of by tv 4k' }).expect(400);
    assert.equal(res.body.code, 'search_too_costly');
    assert.equal(res.body.details[0].field, 'q');
    // Four such words are what people type ("a tv for the hall") and are still searched.
    assert.equal(parseListQuery({ q: 'a tv to of lamp' }).q, 'a tv to of lamp');
    const onAdmin = await admin.api.get('/api/products').query({ q: 'a b c d e' }).expect(400);
    assert.equal(onAdmin.body.code, 'search_too_costly');
  });

  test('a search that reads every product is cut off with 503 search_timed_out, while the list and likes keep answering', async () => {
    const like = `Bearer ${await tokenFor('costly-search')}`;
    const [search, list, liked, adminSearch] = await Promise.all([
      // Short words match by substring: nothing in the catalogue has them, so every row is read.
      request(main.app).get('/api/products').query({ q: 'zq xv' }),
      request(main.app).get('/api/products?limit=50'),
      request(main.app).post('/api/products/7/like').set('Authorization', like),
      admin.api.get('/api/products').query({ q: 'zq xv' }),
    ]);
    assert.equal(search.status, 503, JSON.stringify(search.body));
    assert.equal(search.body.code, 'search_timed_out');
    assert.equal(adminSearch.status, 503, JSON.stringify(adminSearch.body));
    assert.equal(adminSearch.body.code, 'search_timed_out');
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 50);
    assert.equal(liked.status, 200, JSON.stringify(liked.body));
    // A sorted list without a search walks its index and stops at the LIMIT: it has no time limit.
    const sorted = await request(main.app).get('/api/products?sort=title&limit=10').expect(200);
    assert.equal(sorted.body.length, 10);
  });

  test(`a search page holds at most ${SEARCH_LIMIT_MAX} products, whatever limit is asked; a plain list page keeps its 500`, () => {
    assert.equal(parseListQuery({ q: 'lamp', limit: '500' }).limit, SEARCH_LIMIT_MAX);
    assert.equal(parseListQuery({ limit: '500' }).limit, 500);
  });

  test('uncached searches are limited per address (429); cached pages and the plain list are not counted', async () => {
    for (const q of ['desk', 'floor', 'lamp']) await request(braked.app).get('/api/products').query({ q }).expect(200);
    const over = await request(braked.app).get('/api/products').query({ q: 'random-words-defeat-the-cache' }).expect(429);
    assert.equal(over.body.code, 'rate_limited');
    assert.ok(over.headers['retry-after']);
    // The same search again is answered from memory; the plain list and a product page are never searches.
    await request(braked.app).get('/api/products').query({ q: 'desk' }).expect(200);
    // The old path prefix shares the budget.
    await request(braked.app).get('/flask/api/products').query({ q: 'desk' }).expect(429);
    await request(braked.app).get('/api/products?limit=10').expect(200);
    await request(braked.app).get('/api/products/1').expect(200);
  });
});

describe('the statement time limit, written for each server', () => {
  test("MariaDB's SET STATEMENT and MySQL 8's MAX_EXECUTION_TIME hint", () => {
    assert.equal(
      withTimeLimit('SELECT id FROM products', 'mariadb', 1500),
      'SET STATEMENT max_statement_time=1.500 FOR SELECT id FROM products',
    );
    assert.equal(withTimeLimit('SELECT id FROM products', 'mysql', 1500), 'SELECT /*+ MAX_EXECUTION_TIME(1500) */ id FROM products');
    assert.throws(() => withTimeLimit('UPDATE products SET likes = 0', 'mysql', 1));
  });
});
