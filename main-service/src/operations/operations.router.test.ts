import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMain, tokenFor, type MainUnderTest } from '../test-support';

describe('GET /api/operations on main', () => {
  let main: MainUnderTest;
  let offline: MainUnderTest;

  before(async () => {
    [main, offline] = await Promise.all([startMain(), startMain({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' })]);
  });
  after(async () => {
    await Promise.all([main?.stop(), offline?.stop()]);
  });

  test('answers staff with the outbox backlog: empty when the broker takes everything', async () => {
    const res = await request(main.app)
      .get('/api/operations')
      .set('authorization', `Bearer ${await tokenFor('1', { role: 'staff' })}`)
      .expect(200);
    assert.deepEqual(res.body, { outbox: { rows: 0, oldestAgeSeconds: 0 } });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('counts the events waiting while the broker is unreachable', async () => {
    await offline.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (77, 'Jug', 'https://img.example/jug.png', 1)");
    await request(offline.app)
      .post('/api/products/77/like')
      .set('authorization', `Bearer ${await tokenFor('liker')}`)
      .expect(200);
    const res = await request(offline.app)
      .get('/api/operations')
      .set('authorization', `Bearer ${await tokenFor('1', { role: 'staff' })}`)
      .expect(200);
    assert.equal(res.body.outbox.rows, 1);
    assert.ok(res.body.outbox.oldestAgeSeconds >= 0);
  });

  test('answers 401 without a token and 403 to a customer', async () => {
    await request(main.app).get('/api/operations').expect(401);
    const res = await request(main.app)
      .get('/api/operations')
      .set('authorization', `Bearer ${await tokenFor('2', { role: 'customer' })}`)
      .expect(403);
    assert.equal(res.body.code, 'forbidden');
  });
});
