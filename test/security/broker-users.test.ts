import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { DEAD_LETTER_REASON_HEADER } from '@catalogue/shared';
import { drainQueue, eventually, publishRaw } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

let system: SystemUnderTest;
before(async () => {
  system = await startSystem({ leastPrivilegeBroker: true });
});
after(() => system?.stop());

describe('both services on least-privilege broker users (topology provisioned, nothing declared by the services)', () => {
  test('a product created in admin reaches main, and a like in main is counted in admin', async () => {
    const created = await system.admin.api
      .post('/api/products')
      .send({ title: 'Least privilege lamp', image: 'https://img.example/l.png' })
      .expect(201);
    const id = created.body.id as number;
    await eventually(async () => (await request(system.main.app).get(`/api/products/${id}`)).status === 200, {
      what: 'the product in main',
    });
    await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('authorization', `Bearer ${await system.tokenFor('9', 'customer')}`)
      .expect(200);
    await eventually(async () => (await system.admin.api.get(`/api/products/${id}`)).body.likes === 1, {
      what: 'the like counted in admin',
    });
  });

  test('a forged message on admin queue is dead-lettered with its reason and changes nothing', async () => {
    await publishRaw(
      system.topology.mainExchange,
      'product_liked',
      JSON.stringify({ type: 'product_liked', data: { productId: 1, userId: "1'; DROP TABLE products; --" } }),
      { type: 'product_liked' },
    );
    const dead = await eventually(async () => (await drainQueue(system.topology.adminDeadLetterQueue)).at(0), { what: 'the dead letter' });
    assert.match(String(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]), /.+/);
    const rows: unknown[] = await system.admin.dataSource.query('SELECT * FROM unmatched_likes');
    assert.equal(rows.length, 0);
  });
});
