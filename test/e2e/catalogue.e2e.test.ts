import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import request from 'supertest';
import { eventually } from '@catalogue/shared/testing';
import { E2E_JWT_SECRET, startSystem, type SystemUnderTest } from '../support/system';

let system: SystemUnderTest;

const tokenFor = (user: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setExpirationTime('5m').sign(new TextEncoder().encode(E2E_JWT_SECRET));

async function createInAdmin(title: string): Promise<number> {
  const res = await request(system.admin.http).post('/api/products').send({ title, image: 'https://img.example/e2e.png' }).expect(201);
  return res.body.id as number;
}

async function inMain(id: number): Promise<{ status: number; body: { title?: string; likes?: number } }> {
  const res = await request(system.main.app).get(`/api/products/${id}`);
  return { status: res.status, body: res.body };
}

async function adminLikes(id: number): Promise<number> {
  const res = await request(system.admin.http).get(`/api/products/${id}`).expect(200);
  return res.body.likes as number;
}

before(async () => {
  system = await startSystem();
});
after(() => system.stop());

describe('the catalogue end to end, over real MariaDB and RabbitMQ', () => {
  test('a product created in admin appears in main', async () => {
    const id = await createInAdmin('Teapot');
    const seen = await eventually(async () => {
      const found = await inMain(id);
      return found.status === 200 ? found.body : undefined;
    }, { what: 'the product in main' });
    assert.equal(seen.title, 'Teapot');
    assert.equal(seen.likes, 0);
  });

  test('a like in main is counted in admin, once', async () => {
    const id = await createInAdmin('Kettle');
    await eventually(async () => (await inMain(id)).status === 200);
    await request(system.main.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${await tokenFor('alice')}`).expect(200);
    await request(system.main.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${await tokenFor('bob')}`).expect(200);
    await request(system.main.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${await tokenFor('alice')}`).expect(400);
    await eventually(async () => (await adminLikes(id)) === 2, { what: 'two likes in admin' });
    assert.equal((await inMain(id)).body.likes, 2);
  });

  test('updates and deletes in admin propagate to main', async () => {
    const id = await createInAdmin('Mug');
    await eventually(async () => (await inMain(id)).status === 200);
    await request(system.admin.http).put(`/api/products/${id}`).send({ title: 'Big mug', image: 'https://img.example/mug.png' }).expect(202);
    await eventually(async () => (await inMain(id)).body.title === 'Big mug', { what: 'the update in main' });
    await request(system.admin.http).delete(`/api/products/${id}`).expect(204);
    await eventually(async () => (await inMain(id)).status === 404, { what: 'the delete in main' });
  });

  test('with the broker unreachable a like is accepted, then counted once the broker is back', async () => {
    const id = await createInAdmin('Lantern');
    await eventually(async () => (await inMain(id)).status === 200);

    system.mainBrokerProxy.setMode('reset');
    await eventually(async () => (await request(system.main.app).get('/api/health')).status === 503, { what: 'main to notice the broker is gone' });
    await request(system.main.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${await tokenFor('carol')}`).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await adminLikes(id), 0, 'nothing reached admin while the broker was unreachable');

    system.mainBrokerProxy.setMode('pass');
    await eventually(async () => (await adminLikes(id)) === 1, { timeoutMs: 20_000, what: 'the like to reach admin after the broker returns' });
    // Admin may apply the event before main's relay has deleted the confirmed row: wait for that too.
    await eventually(async () => ((await system.main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, { what: "main's outbox to drain" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await adminLikes(id), 1, 'counted exactly once');
  });
});
