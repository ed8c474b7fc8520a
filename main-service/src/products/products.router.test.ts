import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

async function insertProduct(id: number, deleted = false): Promise<void> {
  await main.dataSource.query('INSERT INTO products (id, title, image, version, likes, deleted_at) VALUES (?, ?, ?, 1, ?, ?)', [
    id,
    `Product ${id}`,
    `https://img.example/${id}.png`,
    id % 3,
    deleted ? new Date() : null,
  ]);
}

before(async () => {
  main = await startMain();
  for (const id of [1, 2, 3, 4, 5, 6, 7]) await insertProduct(id, id === 4);
});
after(() => main.stop());

describe('GET /api/products', () => {
  test('lists live products in id order as {id, title, image, likes}, leaving deleted ones out', async () => {
    const res = await request(main.app).get('/api/products').expect(200);
    assert.deepEqual(
      res.body.map((p: { id: number }) => p.id),
      [1, 2, 3, 5, 6, 7],
    );
    assert.deepEqual(res.body[0], { id: 1, title: 'Product 1', image: 'https://img.example/1.png', likes: 1 });
    assert.equal(res.headers.link, undefined);
  });

  test('pages with ?limit and ?after, linking each page to the next until the last', async () => {
    const seen: number[] = [];
    let url: string | undefined = '/api/products?limit=2';
    let pages = 0;
    while (url) {
      const res: request.Response = await request(main.app).get(url).expect(200);
      seen.push(...res.body.map((p: { id: number }) => p.id));
      url = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
      pages++;
    }
    assert.deepEqual(seen, [1, 2, 3, 5, 6, 7]);
    assert.equal(pages, 3);
  });

  test('clamps a limit above 500 to 500', async () => {
    const res = await request(main.app).get('/api/products?limit=100000').expect(200);
    assert.equal(res.body.length, 6);
  });

  test('answers 400 naming the parameter when limit or after is not a valid number', async () => {
    for (const query of ['limit=0', 'limit=abc', 'after=-1', 'after=1.5', 'limit=1&limit=2']) {
      const res = await request(main.app).get(`/api/products?${query}`).expect(400);
      assert.equal(res.body.code, 'validation_failed');
      assert.ok(['limit', 'after'].includes(res.body.details[0].field), query);
    }
  });

  test('also answers on the old /flask/api path, with links on that path', async () => {
    const res = await request(main.app).get('/flask/api/products?limit=1').expect(200);
    assert.equal(res.body[0].id, 1);
    assert.equal(res.headers.link, '</flask/api/products?limit=1&after=1>; rel="next"');
  });
});

describe('GET /api/products/:id', () => {
  test('answers the product', async () => {
    const res = await request(main.app).get('/api/products/2').expect(200);
    assert.deepEqual(res.body, { id: 2, title: 'Product 2', image: 'https://img.example/2.png', likes: 2 });
  });

  test('answers 404 for an unknown or deleted product', async () => {
    for (const id of [999, 4]) {
      const res = await request(main.app).get(`/api/products/${id}`).expect(404);
      assert.equal(res.body.code, 'not_found');
    }
  });

  test('answers 400 for an id that is not a positive whole number, never 500', async () => {
    for (const id of ['abc', '0', '-3', '1e3', '99999999999', '%27%20OR%201=1']) {
      const res = await request(main.app).get(`/api/products/${id}`).expect(400);
      assert.equal(res.body.code, 'validation_failed');
      assert.equal(res.body.details[0].field, 'id');
    }
  });
});

describe('unknown routes', () => {
  test('an unknown route answers 404 in the error shape to a signed-in caller, 401 to an anonymous one', async () => {
    const res = await request(main.app)
      .get('/api/nothing-here')
      .set('authorization', `Bearer ${await tokenFor('u')}`)
      .expect(404);
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
    const anonymous = await request(main.app).get('/api/nothing-here').expect(401);
    assert.equal(anonymous.body.code, 'unauthenticated');
  });
});
