import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { METRICS as METRICS_TOKEN } from '@catalogue/admin-service/dist/common/tokens';
import { startAdmin, type AdminUnderTest } from '@catalogue/admin-service/dist/test-support';
import { startMain, type MainUnderTest } from '@catalogue/main-service/dist/test-support';
import type { ServiceMetrics } from '@catalogue/shared';

/**
 * Express matches mount paths case-insensitively, so `/FlAsK/aPi/PrOdUcTs` reaches the product
 * list: a label taken from the path as typed would make every spelling a new series (65,536 of
 * them for `/flask/api/products` alone, times each sub-route and status), growing the service's
 * memory and Prometheus without bound. Labels must come from the routes as registered.
 */
const VARIANTS = 200;

let main: MainUnderTest;
let admin: AdminUnderTest;
const servers: Server[] = [];
let mainUrl: string;
let adminUrl: string;

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  [main, admin] = await Promise.all([
    startMain({ LIKES_PER_MINUTE_PER_ADDRESS: '100000', LIKES_PER_MINUTE_PER_USER: '100000' }),
    startAdmin(
      { LOGIN_FAILURES_PER_ADDRESS: '100000', LOGIN_FAILURES_PER_EMAIL: '100000', WRITES_PER_MINUTE: '100000' },
      { waitForConsumer: false },
    ),
  ]);
  await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (7, 'Lamp', 'https://img.example/7.png', 1)");
  mainUrl = await listen(createServer(main.app));
  adminUrl = await listen(admin.http as Server);
});
after(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
  await Promise.all([main?.stop(), admin?.stop()]);
});

/** A deterministic spelling of `path` with each letter's case chosen by the bits of `n` (n = 0: as registered). */
function spelling(path: string, n: number): string {
  let bit = 0;
  return [...path].map((c) => (/[a-z]/i.test(c) ? ((n >> (bit++ % 30)) & 1 ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
}

/** Distinct label sets of the request counter: one series each. */
async function series(metrics: ServiceMetrics): Promise<string[]> {
  const { values } = await metrics.httpRequests.get();
  return values.map((v) => JSON.stringify(v.labels)).sort();
}

async function send(base: string, method: string, path: string): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body: method === 'POST' ? '{}' : undefined,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Each request with its path spelled `VARIANTS` ways (trailing slashes included); the statuses seen. */
async function flood(base: string, requests: [method: string, prefix: string, rest: string][]): Promise<void> {
  for (let n = 1; n <= VARIANTS; n++) {
    for (const [method, prefix, rest] of requests)
      await send(base, method, `${spelling(prefix, n * 2654435761)}${n % 7 === 0 && rest === '' ? '/' : ''}${rest}`);
  }
}

describe('metric labels under case and path variants', () => {
  test('main: hundreds of spellings of /flask/api/products, /api/products and their sub-routes add no series', async () => {
    const requests: [string, string, string][] = [
      ['GET', '/flask/api/products', ''],
      ['GET', '/api/products', ''],
      ['GET', '/api/products', '/7'],
      ['GET', '/flask/api/products', '/999999'],
      ['POST', '/api/products', '/7/like'],
      ['POST', '/flask/api/products', '/7/like'],
      ['GET', '/api/me', '/likes'],
    ];
    for (const [method, prefix, rest] of requests) await send(mainUrl, method, `${prefix}${rest}`);
    const baseline = await series(main.metrics);

    await flood(mainUrl, requests);

    assert.deepEqual(await series(main.metrics), baseline, 'no new series');
    const labels = (await main.metrics.httpRequests.get()).values.map((v) => v.labels.route);
    for (const registered of [
      '/flask/api/products/',
      '/api/products/',
      '/api/products/:id',
      '/flask/api/products/:id',
      '/api/products/:id/like',
      '/flask/api/products/:id/like',
    ]) {
      assert.ok(labels.includes(registered), `labelled as registered: ${registered} in ${labels.join(', ')}`);
    }
    const counted = (await main.metrics.httpRequests.get()).values
      .filter((v) => v.labels.route === '/flask/api/products/' && v.labels.method === 'GET')
      .reduce((sum, v) => sum + v.value, 0);
    assert.equal(counted, VARIANTS + 1, 'every spelling of the list counted under its registered route');
  });

  test('admin (Nest): spellings of its routes add no series, and unknown paths share one', async () => {
    const requests: [string, string, string][] = [
      ['GET', '/api/products', ''],
      ['GET', '/api/products', '/7'],
      ['GET', '/api/users', ''],
      ['POST', '/api/auth/login', ''],
      ['GET', '/admin', '/products'],
    ];
    for (const [method, prefix, rest] of requests) await send(adminUrl, method, `${prefix}${rest}`);
    await send(adminUrl, 'GET', '/no-such-route-0');
    const baseline = await series(admin.app.get<ServiceMetrics>(METRICS_TOKEN));

    await flood(adminUrl, requests);
    for (let n = 1; n <= VARIANTS; n++) await send(adminUrl, 'GET', `/no-such-route-${n}/${n}`);

    assert.deepEqual(await series(admin.app.get<ServiceMetrics>(METRICS_TOKEN)), baseline, 'no new series');
  });
});
