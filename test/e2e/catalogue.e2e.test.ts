import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually } from '@catalogue/shared/testing';
import { hashPassword } from '@catalogue/admin-service/dist/auth/passwords';
import { startSystem, type SystemUnderTest } from '../support/system';

let system: SystemUnderTest;

const tokenFor = (user: string) => system.tokenFor(user, 'customer');

async function createInAdmin(title: string): Promise<number> {
  const res = await system.admin.api.post('/api/products').send({ title, image: 'https://img.example/e2e.png' }).expect(201);
  return res.body.id as number;
}

async function inMain(id: number): Promise<{ status: number; body: { title?: string; likes?: number } }> {
  const res = await request(system.main.app).get(`/api/products/${id}`);
  return { status: res.status, body: res.body };
}

async function adminLikes(id: number): Promise<number> {
  const res = await system.admin.api.get(`/api/products/${id}`).expect(200);
  return res.body.likes as number;
}

before(async () => {
  system = await startSystem();
});
after(() => system.stop());

describe('the catalogue end to end, over real MariaDB and RabbitMQ', () => {
  test('a product created in admin appears in main', async () => {
    const id = await createInAdmin('Teapot');
    const seen = await eventually(
      async () => {
        const found = await inMain(id);
        return found.status === 200 ? found.body : undefined;
      },
      { what: 'the product in main' },
    );
    assert.equal(seen.title, 'Teapot');
    assert.equal(seen.likes, 0);
  });

  test('a like in main is counted in admin, once', async () => {
    const id = await createInAdmin('Kettle');
    await eventually(async () => (await inMain(id)).status === 200);
    await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('alice')}`)
      .expect(200);
    await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('bob')}`)
      .expect(200);
    await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('alice')}`)
      .expect(400);
    await eventually(async () => (await adminLikes(id)) === 2, { what: 'two likes in admin' });
    assert.equal((await inMain(id)).body.likes, 2);
  });

  test('updates and deletes in admin propagate to main', async () => {
    const id = await createInAdmin('Mug');
    await eventually(async () => (await inMain(id)).status === 200);
    await system.admin.api.put(`/api/products/${id}`).send({ title: 'Big mug', image: 'https://img.example/mug.png' }).expect(202);
    await eventually(async () => (await inMain(id)).body.title === 'Big mug', { what: 'the update in main' });
    await system.admin.api.delete(`/api/products/${id}`).expect(204);
    await eventually(async () => (await inMain(id)).status === 404, { what: 'the delete in main' });
  });

  test('with the broker unreachable a like is accepted, then counted once the broker is back', async () => {
    const id = await createInAdmin('Lantern');
    await eventually(async () => (await inMain(id)).status === 200);

    system.mainBrokerProxy.setMode('reset');
    await eventually(async () => (await request(system.main.app).get('/api/health')).body.checks?.broker === 'down', {
      what: 'main to notice the broker is gone',
    });
    // Still ready: the outbox keeps the like, so the API stays in its load balancer.
    await request(system.main.app).get('/readyz').expect(200);
    await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('carol')}`)
      .expect(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await adminLikes(id), 0, 'nothing reached admin while the broker was unreachable');

    system.mainBrokerProxy.setMode('pass');
    await eventually(async () => (await adminLikes(id)) === 1, {
      timeoutMs: 20_000,
      what: 'the like to reach admin after the broker returns',
    });
    // The relay deletes the row after the confirm, so admin may count the like a moment before that commit.
    await eventually(async () => ((await system.main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      what: "main's outbox to drain",
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await adminLikes(id), 1, 'counted exactly once');
  });

  test('a customer signs in at admin and likes in main with that token; it is counted for their user id', async () => {
    const id = await createInAdmin('Teapot');
    await eventually(async () => (await inMain(id)).status === 200);
    await system.admin.dataSource.query(
      "INSERT INTO users (email, name, password_hash, role) VALUES ('dora@example.test', 'Dora', ?, 'customer')",
      [await hashPassword('dora-password')],
    );
    const signIn = await request(system.admin.http)
      .post('/api/auth/login')
      .send({ email: 'dora@example.test', password: 'dora-password' })
      .expect(200);
    assert.equal(signIn.body.user.role, 'customer');
    const like = await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${signIn.body.token}`)
      .expect(200);
    assert.equal(like.body.like.userId, String(signIn.body.user.id));
    await eventually(async () => (await adminLikes(id)) === 1, { what: 'the like in admin' });
    // The same customer token is not enough to change products.
    await request(system.admin.http)
      .put(`/api/products/${id}`)
      .set('Authorization', `Bearer ${signIn.body.token}`)
      .send({ title: 'x', image: 'https://img.example/x.png' })
      .expect(403);
  });
});
