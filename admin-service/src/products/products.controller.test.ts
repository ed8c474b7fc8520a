import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTypes, type CatalogueEvent, type EventOf } from '@catalogue/shared';
import { aProduct, publishedUpToNow, startAdmin, waitForPublished, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

const api = () => admin.api;

function isEvent<T extends CatalogueEvent['type']>(type: T, productId: number) {
  return (event: CatalogueEvent): event is EventOf<T> => event.type === type && 'id' in event.data && event.data.id === productId;
}

async function createProduct(body = aProduct()): Promise<{ id: number; title: string; image: string; likes: number }> {
  const res = await api().post('/api/products').send(body).expect(201);
  return res.body;
}

async function assertNothingPublishedFor(title: string): Promise<void> {
  const published = await publishedUpToNow(admin);
  assert.equal(published.filter((e) => 'title' in e.data && e.data.title === title).length, 0);
}

describe('POST /api/products', () => {
  test('when the body is valid, it answers 201 with the trimmed product and publishes product_created version 1', async () => {
    const body = aProduct();
    const res = await api()
      .post('/api/products')
      .send({ ...body, title: `  ${body.title}  ` })
      .expect(201);
    assert.deepEqual(res.body, { id: res.body.id, title: body.title, image: body.image, likes: 0 });
    assert.equal(typeof res.body.id, 'number');

    const event = await waitForPublished(admin, isEvent(EventTypes.ProductCreated, res.body.id), 'product_created');
    assert.deepEqual(event.data, { id: res.body.id, title: body.title, image: body.image, version: 1 });
    assert.equal(event.source, 'admin');
  });

  test('when the title is empty, it answers 400 naming the field and publishes nothing', async () => {
    const image = `https://img.example.com/empty-title-${Date.now()}.png`;
    const res = await api().post('/api/products').send({ title: '   ', image }).expect(400);
    assert.equal(res.body.code, 'validation_failed');
    assert.deepEqual(
      res.body.details.map((d: { field: string }) => d.field),
      ['title'],
    );
    const published = await publishedUpToNow(admin);
    assert.equal(published.filter((e) => 'image' in e.data && e.data.image === image).length, 0);
  });

  test('when the title is longer than 200 characters, it answers 400 naming the field', async () => {
    const res = await api()
      .post('/api/products')
      .send(aProduct({ title: 'x'.repeat(201) }))
      .expect(400);
    assert.deepEqual(
      res.body.details.map((d: { field: string }) => d.field),
      ['title'],
    );
  });

  test('when the image is missing or not an http(s) URL, it answers 400 naming the field', async () => {
    const missing = await api().post('/api/products').send({ title: 'No image' }).expect(400);
    assert.deepEqual(
      missing.body.details.map((d: { field: string }) => d.field),
      ['image'],
    );
    const ftp = await api()
      .post('/api/products')
      .send(aProduct({ image: 'ftp://img.example.com/a.png' }))
      .expect(400);
    assert.deepEqual(
      ftp.body.details.map((d: { field: string }) => d.field),
      ['image'],
    );
    const long = await api()
      .post('/api/products')
      .send(aProduct({ image: `https://img.example.com/${'a'.repeat(2048)}` }))
      .expect(400);
    assert.deepEqual(
      long.body.details.map((d: { field: string }) => d.field),
      ['image'],
    );
  });

  test('when the body sets likes, it answers 400 naming likes as not allowed and publishes nothing', async () => {
    const body = aProduct();
    const res = await api()
      .post('/api/products')
      .send({ ...body, likes: 1000 })
      .expect(400);
    assert.equal(res.body.code, 'validation_failed');
    assert.deepEqual(res.body.details, [{ field: 'likes', reason: 'is not an allowed field' }]);
    await assertNothingPublishedFor(body.title);
  });

  test('when the body sets an id, it answers 400 naming id', async () => {
    const res = await api()
      .post('/api/products')
      .send({ ...aProduct(), id: 7 })
      .expect(400);
    assert.deepEqual(res.body.details, [{ field: 'id', reason: 'is not an allowed field' }]);
  });

  test('when the body is malformed JSON, it answers 400 malformed_json', async () => {
    const res = await api().post('/api/products').set('Content-Type', 'application/json').send('{"title": "x",').expect(400);
    assert.deepEqual(res.body, { code: 'malformed_json', message: 'the request body is not valid JSON' });
  });

  test('when the body is not JSON, it answers 415 in the error shape', async () => {
    const res = await api().post('/api/products').set('Content-Type', 'text/plain').send('title=x').expect(415);
    assert.equal(res.body.code, 'unsupported_media_type');
  });

  test('when the body is a JSON array, it answers 400 validation_failed', async () => {
    const res = await api().post('/api/products').send([aProduct()]).expect(400);
    assert.equal(res.body.code, 'validation_failed');
  });
});

describe('GET /api/products/:id', () => {
  test('when the product exists, it answers 200 with it', async () => {
    const product = await createProduct();
    const res = await api().get(`/api/products/${product.id}`).expect(200);
    assert.deepEqual(res.body, product);
  });

  test('when no product has the id, it answers 404 not_found', async () => {
    const res = await api().get('/api/products/2147483647').expect(404);
    assert.equal(res.body.code, 'not_found');
  });

  for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
    test(`when the id is ${id}, it answers 400 naming the id`, async () => {
      const res = await api().get(`/api/products/${id}`).expect(400);
      assert.equal(res.body.code, 'validation_failed');
      assert.deepEqual(
        res.body.details.map((d: { field: string }) => d.field),
        ['id'],
      );
    });
  }
});

describe('GET /api/products', () => {
  test('when there are more products than the limit, it answers one page in id order with a Link to the next', async () => {
    const first = await createProduct();
    const second = await createProduct();
    const third = await createProduct();

    const page1 = await api()
      .get(`/api/products?limit=2&after=${first.id - 1}`)
      .expect(200);
    assert.deepEqual(page1.body, [first, second]);
    assert.equal(page1.headers.link, `</api/products?limit=2&after=${second.id}>; rel="next"`);

    const next = /^<([^>]+)>/.exec(page1.headers.link as string)![1]!;
    const page2 = await api().get(next).expect(200);
    assert.deepEqual(page2.body, [third]);
    assert.equal(page2.headers.link, undefined);
  });

  test('when no limit is given, it answers 50, and a limit above 500 is clamped to 500', async () => {
    const before = await createProduct();
    const values = Array.from({ length: 501 }, (_, i) => [`Bulk ${i}`, `https://img.example.com/bulk/${i}.png`]);
    await admin.db.query(`INSERT INTO products (title, image) VALUES ${values.map(() => '(?, ?)').join(', ')}`, values.flat());

    const byDefault = await api().get(`/api/products?after=${before.id}`).expect(200);
    assert.equal(byDefault.body.length, 50);
    assert.match(byDefault.headers.link as string, /limit=50&after=/);

    const clamped = await api().get(`/api/products?limit=100000&after=${before.id}`).expect(200);
    assert.equal(clamped.body.length, 500);
    assert.match(clamped.headers.link as string, /limit=500&after=/);
  });

  test('when a product is deleted, it is no longer listed', async () => {
    const kept = await createProduct();
    const gone = await createProduct();
    await api().delete(`/api/products/${gone.id}`).expect(204);
    const res = await api()
      .get(`/api/products?after=${kept.id - 1}`)
      .expect(200);
    assert.deepEqual(
      res.body.map((p: { id: number }) => p.id),
      [kept.id],
    );
  });

  test('when the limit is not a number, it answers 400 naming limit', async () => {
    const res = await api().get('/api/products?limit=lots').expect(400);
    assert.equal(res.body.code, 'validation_failed');
    assert.deepEqual(
      res.body.details.map((d: { field: string }) => d.field),
      ['limit'],
    );
  });
});

describe('PUT /api/products/:id', () => {
  test('when the body is valid, it answers 202 with the product and publishes product_updated with the next version', async () => {
    const product = await createProduct();
    const change = aProduct();
    const res = await api().put(`/api/products/${product.id}`).send(change).expect(202);
    assert.deepEqual(res.body, { id: product.id, ...change, likes: 0 });
    await api().get(`/api/products/${product.id}`).expect(200, res.body);

    const event = await waitForPublished(admin, isEvent(EventTypes.ProductUpdated, product.id), 'product_updated');
    assert.deepEqual(event.data, { id: product.id, ...change, version: 2 });
  });

  test('when the body lacks the image, it answers 400 naming it and changes nothing', async () => {
    const product = await createProduct();
    const res = await api().put(`/api/products/${product.id}`).send({ title: 'Only a title' }).expect(400);
    assert.deepEqual(
      res.body.details.map((d: { field: string }) => d.field),
      ['image'],
    );
    await api().get(`/api/products/${product.id}`).expect(200, product);
  });

  test('when the body sets likes, it answers 400 and the likes stay as they were', async () => {
    const product = await createProduct();
    const res = await api()
      .put(`/api/products/${product.id}`)
      .send({ ...aProduct(), likes: 99 })
      .expect(400);
    assert.deepEqual(res.body.details, [{ field: 'likes', reason: 'is not an allowed field' }]);
    await api().get(`/api/products/${product.id}`).expect(200, product);
  });

  test('when no live product has the id, it answers 404', async () => {
    const res = await api().put('/api/products/2147483647').send(aProduct()).expect(404);
    assert.equal(res.body.code, 'not_found');
    const deleted = await createProduct();
    await api().delete(`/api/products/${deleted.id}`).expect(204);
    await api().put(`/api/products/${deleted.id}`).send(aProduct()).expect(404);
  });

  test('when the id is not a number, it answers 400', async () => {
    const res = await api().put('/api/products/abc').send(aProduct()).expect(400);
    assert.equal(res.body.code, 'validation_failed');
  });
});

describe('DELETE /api/products/:id', () => {
  test('when the product exists, it answers 204, then 404, and publishes product_deleted with the next version', async () => {
    const product = await createProduct();
    await api().put(`/api/products/${product.id}`).send(aProduct()).expect(202);
    await api().delete(`/api/products/${product.id}`).expect(204);
    await api().get(`/api/products/${product.id}`).expect(404);
    await api().delete(`/api/products/${product.id}`).expect(404);

    const event = await waitForPublished(admin, isEvent(EventTypes.ProductDeleted, product.id), 'product_deleted');
    assert.deepEqual(event.data, { id: product.id, version: 3 });
  });

  test('when the id is not a number, it answers 400', async () => {
    const res = await api().delete('/api/products/abc').expect(400);
    assert.equal(res.body.code, 'validation_failed');
  });
});

describe('unknown routes', () => {
  test('when the route does not exist, it answers 404 in the error shape', async () => {
    const res = await api().get('/api/nothing-here').expect(404);
    assert.deepEqual(res.body, { code: 'not_found', message: 'no such route' });
  });
});
