import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { parseEvent, type CatalogueEvent } from '@catalogue/shared';
import { drainQueue, eventually, sampleValue } from '@catalogue/shared/testing';
import { ProductChangesRepository } from '../products/product-changes.repository';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

async function liveProduct(): Promise<number> {
  const id = freshProductId();
  await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lamp', 'https://img.example/lamp.png', 1)", [
    id,
  ]);
  return id;
}

async function likeCount(productId: number): Promise<number> {
  const rows: { likes: number }[] = await main.dataSource.query('SELECT likes FROM products WHERE id = ?', [productId]);
  return Number(rows[0]?.likes);
}

async function likeIdsOf(productId: number): Promise<string[]> {
  const rows: { id: string }[] = await main.dataSource.query('SELECT id FROM likes WHERE product_id = ? ORDER BY created_at', [productId]);
  return rows.map((r) => r.id);
}

const auth = async (user: string) => `Bearer ${await tokenFor(user)}`;
const like = async (productId: number, user: string) =>
  request(main.app)
    .post(`/api/products/${productId}/like`)
    .set('Authorization', await auth(user));
const unlike = async (productId: number, user: string) =>
  request(main.app)
    .delete(`/api/products/${productId}/like`)
    .set('Authorization', await auth(user));

/** Everything published to admin's queue about a product so far, in order (drained: each message is seen once). */
const seen: CatalogueEvent[] = [];
async function publishedAbout(productId: number): Promise<CatalogueEvent[]> {
  for (const message of await drainQueue(main.messaging.topology.adminQueue)) {
    const parsed = parseEvent(JSON.parse(message.content.toString()));
    if (parsed.ok) seen.push(parsed.event);
  }
  return seen.filter((e) => 'productId' in e.data && e.data.productId === productId);
}

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(() => main.stop());

describe('DELETE /api/products/:id/like', () => {
  test("takes the caller's like back: 204, the like leaves, the count goes down, and product_unliked names the like's id", async () => {
    const productId = await liveProduct();
    const liked = await like(productId, 'taker');
    assert.equal(liked.status, 200);
    await like(productId, 'keeper');
    assert.equal(await likeCount(productId), 2);

    const res = await unlike(productId, 'taker');
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(await likeCount(productId), 1);
    assert.equal((await likeIdsOf(productId)).includes(liked.body.like.id), false);
    const removed: { like_id: string; user_id: string }[] = await main.dataSource.query(
      'SELECT like_id, user_id FROM removed_likes WHERE product_id = ?',
      [productId],
    );
    assert.deepEqual(removed, [{ like_id: liked.body.like.id, user_id: 'taker' }]);

    const unliked = await eventually(async () => (await publishedAbout(productId)).find((e) => e.type === 'product_unliked'), {
      what: 'product_unliked published',
    });
    assert.ok(unliked.type === 'product_unliked');
    assert.deepEqual(unliked.data, { likeId: liked.body.like.id, productId, userId: 'taker' });
    assert.notEqual(unliked.id, liked.body.like.id, 'the removal is an event of its own');
    assert.equal(unliked.source, 'main');
  });

  test('is idempotent: 204 when there is no like to take back, and a second unlike changes and publishes nothing', async () => {
    const productId = await liveProduct();
    await like(productId, 'twice');
    assert.equal((await unlike(productId, 'never-liked')).status, 204);
    assert.equal(await likeCount(productId), 1);
    assert.equal((await unlike(productId, 'twice')).status, 204);
    assert.equal((await unlike(productId, 'twice')).status, 204);
    assert.equal(await likeCount(productId), 0);
    await eventually(async () => (await publishedAbout(productId)).some((e) => e.type === 'product_unliked'), {
      what: 'the one product_unliked',
    });
    // Give a wrongly published second removal time to show.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await publishedAbout(productId)).filter((e) => e.type === 'product_unliked').length, 1);
    const removed: unknown[] = await main.dataSource.query('SELECT like_id FROM removed_likes WHERE product_id = ?', [productId]);
    assert.equal(removed.length, 1);
  });

  test('like, unlike, like again: the second like has a new id, and the count follows (1, 0, 1)', async () => {
    const productId = await liveProduct();
    const first = await like(productId, 'toggler');
    assert.equal(await likeCount(productId), 1);
    assert.equal((await unlike(productId, 'toggler')).status, 204);
    assert.equal(await likeCount(productId), 0);
    const second = await like(productId, 'toggler');
    assert.equal(second.status, 200, 'liking again after taking it back is allowed');
    assert.notEqual(second.body.like.id, first.body.like.id);
    assert.equal(await likeCount(productId), 1);
    assert.deepEqual(await likeIdsOf(productId), [second.body.like.id]);
    const liked = await request(main.app)
      .get(`/api/me/likes?products=${productId}`)
      .set('Authorization', await auth('toggler'))
      .expect(200);
    assert.deepEqual(liked.body.liked, [productId]);
  });

  test('writes the new count to the change feed, so every replica (and its live streams) hears it', async () => {
    const productId = await liveProduct();
    await like(productId, 'feed-user');
    const before: { n: number }[] = await main.dataSource.query(
      "SELECT COUNT(*) AS n FROM product_changes WHERE product_id = ? AND kind = 'likes'",
      [productId],
    );
    await unlike(productId, 'feed-user');
    const afterRows: { n: number }[] = await main.dataSource.query(
      "SELECT COUNT(*) AS n FROM product_changes WHERE product_id = ? AND kind = 'likes'",
      [productId],
    );
    assert.equal(Number(afterRows[0]!.n), Number(before[0]!.n) + 1);
    const changes = await new ProductChangesRepository(main.dataSource).after(0, 100_000);
    const last = changes.filter((c) => c.productId === productId).at(-1);
    assert.equal(last?.product.likes, 0, 'the feed reads the product with its new count');
  });

  test('answers 404 for an unknown or deleted product, liked or not, and writes nothing', async () => {
    const deleted = await liveProduct();
    await like(deleted, 'deleted-liker');
    await main.dataSource.query('UPDATE products SET deleted_at = NOW(3), version = 2 WHERE id = ?', [deleted]);
    for (const [id, user] of [
      [freshProductId(), 'anyone'],
      [deleted, 'deleted-liker'],
      [deleted, 'anyone'],
    ] as const) {
      const res = await unlike(id, user);
      assert.equal(res.status, 404, `product ${id} as ${user}`);
      assert.equal(res.body.code, 'not_found');
    }
    assert.equal((await likeIdsOf(deleted)).length, 1, 'the like of the deleted product stays');
    const outbox: unknown[] = await main.dataSource.query(
      "SELECT id FROM outbox WHERE event_type = 'product_unliked' AND JSON_EXTRACT(payload, '$.data.productId') = ?",
      [deleted],
    );
    assert.equal(outbox.length, 0);
  });

  test('answers 401 without a valid token and 400 for a non-numeric id, changing nothing', async () => {
    const productId = await liveProduct();
    await like(productId, 'guarded');
    await request(main.app).delete(`/api/products/${productId}/like`).expect(401);
    await request(main.app).delete(`/api/products/${productId}/like`).set('Authorization', 'Bearer not.a.jwt').expect(401);
    const bad = await request(main.app)
      .delete('/api/products/lamp/like')
      .set('Authorization', await auth('guarded'))
      .expect(400);
    assert.equal(bad.body.details[0].field, 'id');
    assert.equal(await likeCount(productId), 1);
  });

  test('many people taking their likes back at once are each counted down once', async () => {
    const productId = await liveProduct();
    const users = Array.from({ length: 12 }, (_, i) => `crowd-${i}`);
    for (const user of users) await like(productId, user);
    const answers = await Promise.all(users.flatMap((user) => [unlike(productId, user), unlike(productId, user)]));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([204]));
    assert.equal(await likeCount(productId), 0);
    const removed: unknown[] = await main.dataSource.query('SELECT like_id FROM removed_likes WHERE product_id = ?', [productId]);
    assert.equal(removed.length, users.length);
  });

  test('counts unlikes in the metrics, by whether there was a like to remove', async () => {
    const productId = await liveProduct();
    const metric = async (removed: string) =>
      sampleValue((await main.metrics.exposition()).body, 'catalogue_unlikes_accepted_total', { removed });
    const before = { yes: await metric('true'), no: await metric('false') };
    await like(productId, 'metered');
    await unlike(productId, 'metered');
    await unlike(productId, 'metered');
    assert.equal(await metric('true'), before.yes + 1);
    assert.equal(await metric('false'), before.no + 1);
  });

  test('is new with this system, so it is not mirrored under the old /flask/api prefix (the like is)', async () => {
    const productId = await liveProduct();
    await like(productId, 'flask-unliker');
    await request(main.app)
      .delete(`/flask/api/products/${productId}/like`)
      .set('Authorization', await auth('flask-unliker'))
      .expect(404);
    assert.equal(await likeCount(productId), 1, 'nothing was taken back');
    await request(main.app)
      .delete(`/api/products/${productId}/like`)
      .set('Authorization', await auth('flask-unliker'))
      .expect(204);
    assert.equal(await likeCount(productId), 0);
  });
});

describe('POST /internal/products/:id/likes/announce', () => {
  test('re-announces the likes and the removals of a product under their original event ids', async () => {
    const productId = await liveProduct();
    const kept = await like(productId, 'kept');
    const gone = await like(productId, 'gone');
    await unlike(productId, 'gone');
    await eventually(async () => (await publishedAbout(productId)).length >= 3, { what: 'the first announcements' });
    const firstUnlike = (await publishedAbout(productId)).find((e) => e.type === 'product_unliked')!;
    const staff = `Bearer ${await tokenFor('staff-1', { role: 'staff' })}`;
    const res = await request(main.app).post(`/internal/products/${productId}/likes/announce`).set('Authorization', staff).expect(202);
    assert.deepEqual(res.body, { productId, announced: 1, removalsAnnounced: 1 });
    await eventually(async () => (await publishedAbout(productId)).length >= 5, { what: 'the re-announcements' });
    const again = (await publishedAbout(productId)).slice(3);
    assert.deepEqual(
      again.map((e) => [e.type, e.id]).sort(),
      [
        ['product_liked', kept.body.like.id],
        ['product_unliked', firstUnlike.id],
      ].sort(),
    );
    const unliked = again.find((e) => e.type === 'product_unliked');
    assert.ok(unliked?.type === 'product_unliked' && unliked.data.likeId === gone.body.like.id);
  });
});

describe('DELETE /api/products/:id/like under the like limits', () => {
  test('likes and unlikes share one budget per user: toggling past it is refused with 429 and changes nothing', async () => {
    const limited = await startMain({ LIKES_PER_MINUTE_PER_USER: '3', LIKES_PER_MINUTE_PER_ADDRESS: '1000' });
    try {
      const productId = freshProductId();
      await limited.dataSource.query(
        "INSERT INTO products (id, title, image, version) VALUES (?, 'Mug', 'https://img.example/mug.png', 1)",
        [productId],
      );
      const token = await auth('toggling-fast');
      const path = `/api/products/${productId}/like`;
      const statuses = [
        (await request(limited.app).post(path).set('Authorization', token)).status,
        (await request(limited.app).delete(path).set('Authorization', token)).status,
        (await request(limited.app).post(path).set('Authorization', token)).status,
      ];
      assert.deepEqual(statuses, [200, 204, 200]);
      const refused = await request(limited.app).delete(path).set('Authorization', token);
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'rate_limited');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      const rows: { likes: number }[] = await limited.dataSource.query('SELECT likes FROM products WHERE id = ?', [productId]);
      assert.equal(Number(rows[0]!.likes), 1, 'the refused unlike took nothing back');
    } finally {
      await limited.stop();
    }
  });
});
