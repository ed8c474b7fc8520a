import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually } from '@catalogue/shared/testing';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(() => main.stop());

async function liveProduct(): Promise<number> {
  const id = freshProductId();
  await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Vase', 'https://img.example/vase.png', 1)", [
    id,
  ]);
  return id;
}

const like = async (productId: number, user: string) =>
  request(main.app)
    .post(`/api/products/${productId}/like`)
    .set('Authorization', `Bearer ${await tokenFor(user)}`);

describe('likes arriving together (one transaction for the lot)', () => {
  test('each like gets its own answer: new ones recorded, a repeat refused, an unknown product 404, and only the new ones counted and published', async () => {
    const [a, b] = [await liveProduct(), await liveProduct()];
    assert.equal((await like(a, 'earlier')).status, 200);
    const missing = freshProductId();
    const tokens = await Promise.all(['earlier', 'x', 'y', 'x', 'z'].map((u) => tokenFor(u)));
    // Sent at once, so they share a batch; the second 'x' on b repeats a like made in the same batch.
    const answers = await Promise.all([
      request(main.app).post(`/api/products/${a}/like`).set('Authorization', `Bearer ${tokens[0]}`),
      request(main.app).post(`/api/products/${a}/like`).set('Authorization', `Bearer ${tokens[1]}`),
      request(main.app).post(`/api/products/${b}/like`).set('Authorization', `Bearer ${tokens[2]}`),
      request(main.app).post(`/api/products/${b}/like`).set('Authorization', `Bearer ${tokens[3]}`),
      request(main.app).post(`/api/products/${b}/like`).set('Authorization', `Bearer ${tokens[3]}`),
      request(main.app).post(`/api/products/${missing}/like`).set('Authorization', `Bearer ${tokens[4]}`),
    ]);
    assert.deepEqual(
      answers.map((r) => r.status),
      [400, 200, 200, 200, 400, 404],
    );
    assert.equal(answers[0]!.body.code, 'already_liked');
    assert.equal(answers[4]!.body.code, 'already_liked');
    assert.equal(answers[5]!.body.code, 'not_found');

    const counts: { id: number; likes: number }[] = await main.dataSource.query(
      'SELECT id, likes FROM products WHERE id IN (?) ORDER BY id',
      [[a, b]],
    );
    assert.deepEqual(
      counts.map((r) => [Number(r.id), Number(r.likes)]),
      [
        [a, 2],
        [b, 2],
      ],
    );
    const stored: unknown[] = await main.dataSource.query('SELECT id FROM likes WHERE product_id = ?', [missing]);
    assert.equal(stored.length, 0, 'nothing stored for the unknown product');
    await eventually(async () => ((await main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      what: 'the outbox to drain',
    });
  });

  test('a hundred different users liking one product at once are all counted', async () => {
    const id = await liveProduct();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => like(id, `many-${i}`)));
    assert.ok(answers.every((r) => r.status === 200));
    const rows: { likes: number }[] = await main.dataSource.query('SELECT likes FROM products WHERE id = ?', [id]);
    assert.equal(Number(rows[0]!.likes), 100);
  });

  test('a token subject longer than a user id is refused with 401 and writes nothing', async () => {
    const id = await liveProduct();
    const res = await like(id, 'u'.repeat(256));
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'unauthenticated');
    const rows: unknown[] = await main.dataSource.query('SELECT id FROM likes WHERE product_id = ?', [id]);
    assert.equal(rows.length, 0);
  });
});

describe('GET /api/products with the list cache on', () => {
  test('a like made here shows in the list at once', async () => {
    const id = await liveProduct();
    const before = await request(main.app)
      .get(`/api/products?after=${id - 1}&limit=1`)
      .expect(200);
    assert.equal(before.body[0].likes, 0);
    assert.equal((await like(id, 'lister')).status, 200);
    const afterLike = await request(main.app)
      .get(`/api/products?after=${id - 1}&limit=1`)
      .expect(200);
    assert.equal(afterLike.body[0].likes, 1);
  });

  test('a client holding the current ETag gets 304; after a like it gets the new page', async () => {
    const id = await liveProduct();
    const url = `/api/products?after=${id - 1}&limit=1`;
    const first = await request(main.app).get(url).expect(200);
    assert.match(first.headers.etag, /^W\/"/);
    await request(main.app).get(url).set('If-None-Match', first.headers.etag).expect(304);
    assert.equal((await like(id, 'etag-user')).status, 200);
    const changed = await request(main.app).get(url).set('If-None-Match', first.headers.etag).expect(200);
    assert.equal(changed.body[0].likes, 1);
    assert.notEqual(changed.headers.etag, first.headers.etag);
  });
});
