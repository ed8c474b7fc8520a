import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import express from 'express';
import request from 'supertest';
import { parse } from 'yaml';
import { adminApiDocument } from '@catalogue/admin-service/dist/openapi';
import { mainApiDocument } from '@catalogue/main-service/dist/http/openapi';
import { listRoutes } from '../support/routes';
import { startSystem, type SystemUnderTest } from '../support/system';
import { committed, render } from './documents';

type Service = 'main' | 'admin';
const generated = { main: mainApiDocument(), admin: adminApiDocument() };
const files = { main: 'docs/openapi/main-service.yaml', admin: 'docs/openapi/admin-service.yaml' };

/** `METHOD /path/{param}` for a route as Express lists it (`:param`). */
const fromExpress = (route: { method: string; path: string }) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`;
const documented = (document: { paths?: Record<string, Record<string, unknown>> }) =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

let system: SystemUnderTest;
let served: Record<Service, { paths: Record<string, Record<string, unknown>> }>;
let apps: Record<Service, Parameters<typeof request>[0]>;

before(async () => {
  system = await startSystem();
  apps = { main: system.main.app, admin: system.admin.http };
  const read = async (service: Service) =>
    (await request(apps[service]).get('/api/openapi.json').expect(200).expect('content-type', /json/)).body as (typeof served)['main'];
  served = { main: await read('main'), admin: await read('admin') };
});
after(() => system?.stop());

for (const service of ['main', 'admin'] as const) {
  describe(`${service}-service's OpenAPI document`, () => {
    test('GET /api/openapi.json serves the document generated from the code, and it is valid OpenAPI 3.1', async () => {
      assert.deepEqual(served[service], JSON.parse(JSON.stringify(generated[service])));
      assert.equal((served[service] as unknown as { openapi: string }).openapi, '3.1.0');
      const result = await validate(structuredClone(served[service]) as never);
      assert.ok(result.valid, compileErrors(result));
    });

    test(`${files[service]} is the generated document (run \`npm run contracts\` after changing a route)`, () => {
      assert.equal(committed(files[service]), render(generated[service]));
      assert.deepEqual(parse(committed(files[service])), JSON.parse(JSON.stringify(generated[service])));
    });

    test('documents every route the app registers, and nothing it does not', () => {
      const app = service === 'main' ? system.main.app : system.admin.app.getHttpAdapter().getInstance();
      const registered = [...new Set(listRoutes(app).map(fromExpress))].sort();
      const inDocument = documented(served[service]).sort();
      assert.ok(registered.length > 10, 'the listing found the routes');
      assert.deepEqual(
        registered.filter((route) => !inDocument.includes(route)),
        [],
        'registered but not documented',
      );
      assert.deepEqual(
        inDocument.filter((route) => !registered.includes(route)),
        [],
        'documented but not registered',
      );
    });

    test('GET /api/docs shows the document offline: the page, its own policy and the viewer from node_modules', async () => {
      const page = await request(apps[service]).get('/api/docs').expect(200).expect('content-type', /html/);
      const policy = page.headers['content-security-policy'] as string;
      assert.match(policy, /script-src 'self'(;|$)/, 'no inline or remote script');
      assert.match(policy, /connect-src 'self'/);
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.length >= 3);
      for (const asset of assets) {
        assert.ok(asset.startsWith('/api/docs/'), `${asset} is served here, from no CDN`);
        const res = await request(apps[service]).get(asset).expect(200);
        assert.ok(Number(res.headers['content-length'] ?? res.text.length) > 0);
      }
      const script = await request(apps[service]).get('/api/docs/viewer.js').expect(200);
      assert.match(script.text, /url: "\/api\/openapi\.json"/);
      assert.match(script.text, /validatorUrl: null/);
    });
  });
}

describe('main-service: the legacy /flask/api prefix', () => {
  test('exactly the product list, one product, the like and the health report are mirrored, and documented as such', () => {
    const legacy = documented(served.main).filter((route) => route.includes('/flask/'));
    assert.deepEqual(legacy.sort(), [
      'GET /flask/api/health',
      'GET /flask/api/products',
      'GET /flask/api/products/{id}',
      'POST /flask/api/products/{id}/like',
    ]);
    const registered = listRoutes(system.main.app)
      .map(fromExpress)
      .filter((route) => route.includes('/flask/'));
    assert.deepEqual([...new Set(registered)].sort(), legacy.sort());
  });
});

describe('answers are checked against the served document', () => {
  test("an answer of main's that breaks its document fails the request (the document is tampered with, the answer is real)", async () => {
    await system.main.dataSource.query(
      "INSERT INTO products (id, title, image, version) VALUES (990001, 'Contract', 'https://img.example/c.png', 1)",
    );
    // The real app behind a front that serves a document saying likes are text: the real answer (a number) must be refused.
    const tampered = structuredClone(served.main) as unknown as {
      components: { schemas: { Product: { properties: { likes: unknown } } } };
    };
    tampered.components.schemas.Product.properties.likes = { type: 'string' };
    const front = express();
    front.get('/api/openapi.json', (_req, res) => void res.json(tampered));
    front.use(system.main.app);
    await assert.rejects(
      request(front).get('/api/products/990001').expect(200),
      /body does not match the OpenAPI document: \/likes must be string/,
    );
    // The same answer through the real document passes.
    await request(system.main.app).get('/api/products/990001').expect(200);
  });
});
