import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { AdminSnapshotClient } from '@catalogue/main-service/dist/products/admin-snapshot.client';
import { DependencyBreaker } from '@catalogue/shared';
import { startSystem, type SystemUnderTest } from '../support/system';
import { PUBLIC } from '../support/public-routes';
import { concretePath, listRoutes, type RegisteredRoute } from '../support/routes';

/**
 * Main holds a credential for admin's snapshot (its resync). Were it a staff token, a compromised
 * public service would hold every admin power for up to a day. The snapshot-reader credential
 * reads the snapshot and is refused everywhere else, on admin and on main.
 */
let system: SystemUnderTest;
let snapshotToken: string;

before(async () => {
  system = await startSystem();
  await system.admin.api.post('/api/products').send({ title: 'Snapshot lamp', image: 'https://img.example/s.png' }).expect(201);
  const res = await system.admin.api.post('/api/auth/snapshot-token').send({}).expect(200);
  assert.equal(res.body.role, 'snapshot-reader');
  assert.equal(res.body.expiresIn, 86_400);
  snapshotToken = res.body.token as string;
});
after(() => system?.stop());

const SNAPSHOT = 'GET /internal/products/snapshot';
const key = (route: RegisteredRoute) => `${route.method} ${route.path}`;

function call(target: Parameters<typeof request>[0], route: RegisteredRoute, authorization: string) {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const req = request(target)[method](concretePath(route.path)).set('authorization', authorization);
  return ['post', 'put', 'patch'].includes(method) ? req.send({}) : req;
}

describe('the snapshot-reader credential (main resync)', () => {
  test('only staff may issue one', async () => {
    await request(system.admin.http).post('/api/auth/snapshot-token').send({}).expect(401);
    await request(system.admin.http)
      .post('/api/auth/snapshot-token')
      .send({})
      .set('authorization', `Bearer ${await system.tokenFor('5', 'customer')}`)
      .expect(403);
    const again = await request(system.admin.http)
      .post('/api/auth/snapshot-token')
      .send({})
      .set('authorization', `Bearer ${snapshotToken}`);
    assert.equal(again.status, 403, 'a snapshot reader cannot mint itself another credential');
  });

  test("it reads admin's snapshot, as main's resync does", async () => {
    const page = await new AdminSnapshotClient(
      await system.admin.app.getUrl(),
      new DependencyBreaker('admin_snapshot', { timeoutMs: 5000, failures: 5, halfOpenAfterMs: 5000 }),
      snapshotToken,
    ).page(0, 50);
    assert.ok(page.items.some((item) => 'title' in item && item.title === 'Snapshot lamp'));
  });

  test('it is refused (403) on every other admin route that needs a token', async () => {
    const routes = listRoutes(system.admin.app.getHttpAdapter().getInstance()).filter((r) => key(r) !== SNAPSHOT && !isPublic(key(r)));
    const opened: string[] = [];
    for (const route of routes) {
      const res = await call(system.admin.http, route, `Bearer ${snapshotToken}`);
      if (res.status !== 403) opened.push(`${key(route)} answered ${res.status}`);
    }
    assert.ok(routes.length > 10, `${routes.length} routes checked`);
    assert.deepEqual(opened, []);
    await request(system.admin.http).get('/internal/products/snapshot').set('authorization', `Bearer ${snapshotToken}`).expect(200);
  });

  test('it is refused (403) on every main route behind authentication: no likes, no staff routes', async () => {
    const routes = listRoutes(system.main.app).filter((r) => !isPublicOnMain(key(r)));
    const opened: string[] = [];
    for (const route of routes) {
      const res = await call(system.main.app, route, `Bearer ${snapshotToken}`);
      if (res.status !== 403) opened.push(`${key(route)} answered ${res.status}`);
    }
    assert.ok(routes.some((r) => key(r) === 'POST /api/products/:id/like'));
    assert.deepEqual(opened, []);
  });
});

/** The routes that answer anyone (routes.test.ts keeps the list honest); admin's console files too. */
const isPublic = (route: string) => PUBLIC.admin.includes(route) || route.startsWith('GET /admin');
const isPublicOnMain = (route: string) => PUBLIC.main.includes(route);
