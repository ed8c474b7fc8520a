import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startSystem, type SystemUnderTest } from '../support/system';
import { PUBLIC } from '../support/public-routes';
import { concretePath, listRoutes, type RegisteredRoute } from '../support/routes';

let system: SystemUnderTest;
let routes: Record<'main' | 'admin', RegisteredRoute[]>;

before(async () => {
  system = await startSystem();
  routes = {
    main: listRoutes(system.main.app),
    admin: listRoutes(system.admin.app.getHttpAdapter().getInstance()),
  };
});
after(() => system?.stop());

const key = (route: RegisteredRoute) => `${route.method} ${route.path}`;
const target = (service: 'main' | 'admin') => (service === 'main' ? system.main.app : system.admin.http);

function call(service: 'main' | 'admin', route: RegisteredRoute, authorization?: string) {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  const req = request(target(service))[method](concretePath(route.path));
  if (authorization) req.set('authorization', authorization);
  // An event stream does not end by itself: take its status, then hang up.
  if (route.path.endsWith('/stream')) {
    return req.buffer(false).parse((res, done) => {
      (res as unknown as { destroy(): void }).destroy();
      done(null, undefined);
    });
  }
  // A JSON body, so a write reaches the authentication check rather than the content-type check.
  return ['post', 'put', 'patch'].includes(method) ? req.send({}) : req;
}

describe('every registered route', () => {
  test('the listing finds the routes we know of, so an empty or broken listing cannot pass', () => {
    const main = routes.main.map(key);
    const admin = routes.admin.map(key);
    for (const known of [
      'GET /api/products',
      'POST /api/products/:id/like',
      'POST /flask/api/products/:id/like',
      'GET /livez',
      'GET /readyz',
    ])
      assert.ok(main.includes(known), `main lists ${known}`);
    for (const known of ['POST /api/products', 'DELETE /api/products/:id', 'POST /api/auth/login', 'GET /api/user', 'GET /metrics'])
      assert.ok(admin.includes(known), `admin lists ${known}`);
  });

  for (const service of ['main', 'admin'] as const) {
    test(`${service}: a route that is not on the public list answers 401 without a token`, async () => {
      const open: string[] = [];
      for (const route of routes[service].filter((r) => !PUBLIC[service].includes(key(r)))) {
        const res = await call(service, route);
        if (res.status !== 401 || res.body.code !== 'unauthenticated') open.push(`${key(route)} answered ${res.status}`);
      }
      assert.deepEqual(open, [], 'routes that answer anonymous callers: put them behind a token or on the public list');
    });

    test(`${service}: a route on the public list answers without a token`, async () => {
      for (const route of routes[service].filter((r) => PUBLIC[service].includes(key(r)))) {
        const res = await call(service, route);
        assert.notEqual(res.status, 401, `${key(route)} is public`);
        assert.notEqual(res.status, 403, `${key(route)} is public`);
      }
    });
  }

  test('admin: a customer token is refused (403) on every route that is not public', async () => {
    const customer = `Bearer ${await system.tokenFor('5', 'customer')}`;
    const allowed: string[] = [];
    for (const route of routes.admin.filter((r) => !PUBLIC.admin.includes(key(r)))) {
      const res = await call('admin', route, customer);
      if (res.status !== 403) allowed.push(`${key(route)} answered ${res.status}`);
    }
    assert.deepEqual(allowed, []);
  });
});
