import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

before(async () => {
  main = await startMain();
});
after(() => main.stop());

async function liveProducts(n: number): Promise<number[]> {
  const ids = Array.from({ length: n }, () => freshProductId());
  for (const id of ids)
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Cup', 'https://img.example/cup.png', 1)", [
      id,
    ]);
  return ids;
}

async function like(productId: number, user: string): Promise<void> {
  await request(main.app)
    .post(`/api/products/${productId}/like`)
    .set('Authorization', `Bearer ${await tokenFor(user)}`)
    .expect(200);
}

describe('GET /api/me/likes', () => {
  test("names, among the products asked about, those the caller liked, and nobody else's likes", async () => {
    const [a, b, c] = await liveProducts(3);
    await like(a!, 'me-1');
    await like(c!, 'me-1');
    await like(b!, 'someone-else');
    const res = await request(main.app)
      .get(`/api/me/likes?products=${a},${b},${c}`)
      .set('Authorization', `Bearer ${await tokenFor('me-1')}`)
      .expect(200);
    assert.deepEqual([...res.body.liked].sort(), [a, c].sort());
    assert.match(res.headers['cache-control'] ?? '', /no-store/, 'one person’s answer is never cached for another');
  });

  test('answers an empty list for a caller who liked none of them', async () => {
    const [a] = await liveProducts(1);
    const res = await request(main.app)
      .get(`/api/me/likes?products=${a}`)
      .set('Authorization', `Bearer ${await tokenFor('me-2')}`)
      .expect(200);
    assert.deepEqual(res.body, { liked: [] });
  });

  test('answers 401 without a valid bearer token', async () => {
    const res = await request(main.app).get('/api/me/likes?products=1').expect(401);
    assert.equal(res.body.code, 'unauthenticated');
    await request(main.app).get('/api/me/likes?products=1').set('Authorization', 'Bearer not.a.token').expect(401);
  });

  test('answers 400 naming `products` when it is missing, malformed or too long', async () => {
    const auth = `Bearer ${await tokenFor('me-3')}`;
    const tooMany = Array.from({ length: 501 }, (_, i) => i + 1).join(',');
    for (const query of [
      '',
      '?products=',
      '?products=1,,2',
      '?products=abc',
      '?products=1&products=2',
      '?products=0',
      `?products=${tooMany}`,
    ]) {
      const res = await request(main.app).get(`/api/me/likes${query}`).set('Authorization', auth).expect(400);
      assert.equal(res.body.details[0].field, 'products', query);
    }
  });
});
