import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { EventTypes, type CatalogueEvent, type EventOf } from '@catalogue/shared';
import { aProduct, startAdmin, waitForPublished, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

/** Internal routes are staff-only: the repair tools call them with a staff token. */
const api = () => admin.api;

function isEvent<T extends CatalogueEvent['type']>(type: T, productId: number, version: number) {
  return (event: CatalogueEvent): event is EventOf<T> =>
    event.type === type && 'id' in event.data && event.data.id === productId && 'version' in event.data && event.data.version === version;
}

async function createProduct(): Promise<{ id: number; title: string; image: string }> {
  return (await api().post('/api/products').send(aProduct()).expect(201)).body;
}

describe('GET /internal/products/snapshot', () => {
  test('pages through every product in id order, deleted ones as tombstones with their version and likes', async () => {
    const a = await createProduct();
    const b = await createProduct();
    await api().delete(`/api/products/${b.id}`).expect(204);
    await admin.db.query('UPDATE products SET likes = 3 WHERE id = ?', [a.id]);

    const first = await api()
      .get(`/internal/products/snapshot?after=${a.id - 1}&limit=1`)
      .expect(200);
    assert.deepEqual(first.body, {
      items: [{ id: a.id, deleted: false, title: a.title, image: a.image, version: 1, likes: 3 }],
      next: a.id,
    });
    const second = await api().get(`/internal/products/snapshot?after=${a.id}&limit=1`).expect(200);
    assert.deepEqual(second.body.items, [{ id: b.id, deleted: true, version: 2, likes: 0 }]);
    const last = await api().get(`/internal/products/snapshot?after=${b.id}`).expect(200);
    assert.deepEqual(last.body, { items: [], next: null });
  });

  test('answers 400 naming the parameter for a bad after or limit, and refuses a limit above 1000', async () => {
    for (const query of ['after=-1', 'after=x', 'limit=0', 'limit=1001', 'limit=2.5', 'after=1&after=2']) {
      const res = await api().get(`/internal/products/snapshot?${query}`).expect(400);
      assert.equal(res.body.code, 'validation_failed', query);
      assert.ok(['after', 'limit'].includes(res.body.details[0].field), query);
    }
  });
});

describe('POST /internal/products/:id/announce', () => {
  test('gives a live product a new version and publishes it as product_updated', async () => {
    const p = await createProduct();
    const res = await api().post(`/internal/products/${p.id}/announce`).expect(202);
    assert.deepEqual(res.body, { id: p.id, deleted: false, title: p.title, image: p.image, version: 2, likes: 0 });
    const event = await waitForPublished(admin, isEvent(EventTypes.ProductUpdated, p.id, 2), 'the re-announced product_updated');
    assert.deepEqual(event.data, { id: p.id, title: p.title, image: p.image, version: 2 });
  });

  test('with atLeastVersion, jumps past a version main may already hold', async () => {
    const p = await createProduct();
    const res = await api().post(`/internal/products/${p.id}/announce`).send({ atLeastVersion: 7 }).expect(202);
    assert.equal(res.body.version, 7);
    await waitForPublished(admin, isEvent(EventTypes.ProductUpdated, p.id, 7), 'product_updated version 7');
  });

  test('re-announces a deleted product as product_deleted under a new version', async () => {
    const p = await createProduct();
    await api().delete(`/api/products/${p.id}`).expect(204);
    const res = await api().post(`/internal/products/${p.id}/announce`).expect(202);
    assert.deepEqual(res.body, { id: p.id, deleted: true, version: 3, likes: 0 });
    await waitForPublished(admin, isEvent(EventTypes.ProductDeleted, p.id, 3), 'the re-announced product_deleted');
  });

  test('answers 404 for an unknown product and 400 for a bad id or body, changing nothing', async () => {
    await api().post('/internal/products/2000000000/announce').expect(404);
    await api().post('/internal/products/abc/announce').expect(400);
    const p = await createProduct();
    const res = await api().post(`/internal/products/${p.id}/announce`).send({ atLeastVersion: -1, extra: 1 }).expect(400);
    assert.equal(res.body.code, 'validation_failed');
    const rows: { version: number }[] = await admin.db.query('SELECT version FROM products WHERE id = ?', [p.id]);
    assert.equal(Number(rows[0]!.version), 1);
  });
});

describe('internal routes are for staff only', () => {
  test('answer 401 without a token and 403 to a customer, changing nothing', async () => {
    const p = await createProduct();
    const customer = `Bearer ${await admin.tokenFor('7', 'customer')}`;
    for (const call of [
      () => request(admin.http).get('/internal/products/snapshot'),
      () => request(admin.http).post(`/internal/products/${p.id}/announce`),
    ]) {
      const anonymous = await call().expect(401);
      assert.equal(anonymous.body.code, 'unauthenticated');
      const refused = await call().set('authorization', customer).expect(403);
      assert.equal(refused.body.code, 'forbidden');
    }
    const rows: { version: number }[] = await admin.db.query('SELECT version FROM products WHERE id = ?', [p.id]);
    assert.equal(Number(rows[0]!.version), 1);
  });
});
