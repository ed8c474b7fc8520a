import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { EventTypes } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { publishAdminEvent, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

/** Rows written behind main's back: the cache cannot know about them, so they show what it serves. */
async function insertQuietly(id: number, title: string, likes = 0): Promise<void> {
  await main.dataSource.query('INSERT INTO products (id, title, image, version, likes) VALUES (?, ?, ?, 1, ?)', [
    id,
    title,
    `https://img.example/${id}.png`,
    likes,
  ]);
}

const ids = (res: request.Response): number[] => res.body.map((p: { id: number }) => p.id);

before(async () => {
  // A cache far longer than any test: whatever a test sees change, something cleared it.
  main = await startMain({ PRODUCT_LIST_CACHE_MS: '60000' });
  await main.messaging.ready();
  await insertQuietly(1, 'Red apple', 5);
  await insertQuietly(2, 'Green apple', 1);
  await insertQuietly(3, 'Pear', 9);
  await insertQuietly(4, 'Apple pie', 3);
});
after(() => main.stop());

describe('the product list cache', () => {
  test('serves a repeated page from memory: a row written behind its back is not seen', async () => {
    const first = await request(main.app).get('/api/products?limit=50').expect(200);
    await insertQuietly(10, 'Hidden lamp');
    const again = await request(main.app).get('/api/products?limit=50').expect(200);
    assert.deepEqual(ids(again), ids(first));
    assert.ok(!ids(again).includes(10));
    await main.dataSource.query('DELETE FROM products WHERE id = 10');
    // The rows are back as they were; a like clears the cache for the tests after this one.
    await request(main.app)
      .post('/api/products/3/like')
      .set('Authorization', `Bearer ${await tokenFor('cache-reset')}`)
      .expect(200);
  });

  test("search text, sort, cursor and limit each get their own page, never another query's", async () => {
    const byQuery = async (query: string) => ids(await request(main.app).get(`/api/products?${query}`).expect(200));
    assert.deepEqual(await byQuery('limit=50'), [1, 2, 3, 4]);
    assert.deepEqual((await byQuery('q=apple&limit=50')).sort(), [1, 2, 4]);
    assert.deepEqual(await byQuery('q=pear&limit=50'), [3]);
    assert.deepEqual(await byQuery('sort=likes&limit=50'), [3, 1, 4, 2]);
    assert.deepEqual(await byQuery('sort=likes:asc&limit=50'), [2, 4, 1, 3]);
    assert.deepEqual(await byQuery('limit=2'), [1, 2]);
    const firstPage = await request(main.app).get('/api/products?sort=title&limit=2').expect(200);
    assert.deepEqual(ids(firstPage), [4, 2]);
    const next = /<([^>]+)>; rel="next"/.exec(firstPage.headers.link ?? '')?.[1];
    assert.ok(next && /cursor=/.test(next), firstPage.headers.link);
    assert.deepEqual(ids(await request(main.app).get(next).expect(200)), [3, 1]);
    // Asked again, each still answers its own (now cached) page.
    assert.deepEqual((await byQuery('q=apple&limit=50')).sort(), [1, 2, 4]);
    assert.deepEqual(await byQuery('q=pear&limit=50'), [3]);
  });

  test('a product event applied by the consumer shows at once, with a new ETag', async () => {
    const before = await request(main.app).get('/api/products?q=apple&limit=50').expect(200);
    await publishAdminEvent(main, EventTypes.ProductCreated, {
      id: 20,
      title: 'Baked apple',
      image: 'https://img.example/20.png',
      version: 1,
    });
    const after = await eventually(
      async () => {
        const res = await request(main.app).get('/api/products?q=apple&limit=50').expect(200);
        return ids(res).includes(20) ? res : undefined;
      },
      { what: 'the created product in the cached search' },
    );
    assert.notEqual(after.headers.etag, before.headers.etag);
    await request(main.app).get('/api/products?q=apple&limit=50').set('If-None-Match', before.headers.etag).expect(200);

    await publishAdminEvent(main, EventTypes.ProductDeleted, { id: 20, version: 2 });
    await eventually(async () => !ids(await request(main.app).get('/api/products?q=apple&limit=50').expect(200)).includes(20), {
      what: 'the deleted product to leave the cached search',
    });
  });

  test('a like committed here changes the cached page at once', async () => {
    const before = await request(main.app).get('/api/products?sort=likes&limit=50').expect(200);
    const pear = before.body.find((p: { id: number }) => p.id === 3);
    await request(main.app)
      .post('/api/products/3/like')
      .set('Authorization', `Bearer ${await tokenFor('cache-liker')}`)
      .expect(200);
    const after = await request(main.app).get('/api/products?sort=likes&limit=50').expect(200);
    assert.equal(after.body.find((p: { id: number }) => p.id === 3).likes, pear.likes + 1);
  });
});
