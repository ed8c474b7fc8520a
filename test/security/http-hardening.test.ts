import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { applyServerTimeouts, SERVER_TIMEOUTS } from '@catalogue/shared';
import { assertSafeErrorBody } from '../support/safe-errors';
import { startSystem, type SystemUnderTest } from '../support/system';

const ALLOWED = 'https://shop.example';
let system: SystemUnderTest;
before(async () => {
  system = await startSystem({
    env: {
      main: { CORS_ORIGINS: ALLOWED, CSP_CONNECT_SRC: 'https://admin.example' },
      admin: { CORS_ORIGINS: `${ALLOWED},https://console.example` },
    },
  });
});
after(() => system?.stop());

const services = () => ({ main: request(system.main.app), admin: request(system.admin.http) });

describe('HTTP hardening of both services', () => {
  for (const name of ['main', 'admin'] as const) {
    test(`${name}: security headers are set and X-Powered-By is not`, async () => {
      const res = await services()[name].get('/ready').expect(200);
      assert.equal(res.headers['x-powered-by'], undefined);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      const connect = /connect-src ([^;]+)/.exec(String(res.headers['content-security-policy']))?.[1];
      assert.equal(connect, name === 'main' ? "'self' https://admin.example" : "'self'");
    });

    test(`${name}: CORS answers a configured origin and ignores any other`, async () => {
      const allowed = await services()[name].options('/api/products').set('origin', ALLOWED).set('access-control-request-method', 'GET');
      assert.equal(allowed.headers['access-control-allow-origin'], ALLOWED);
      assert.match(String(allowed.headers['access-control-allow-headers']), /authorization/);
      const other = await services()
        [name].options('/api/products')
        .set('origin', 'https://evil.example')
        .set('access-control-request-method', 'POST');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const simple = await services()[name].get('/ready').set('origin', 'https://evil.example');
      assert.equal(simple.headers['access-control-allow-origin'], undefined);
    });

    test(`${name}: a body over the limit answers 413 in the error shape`, async () => {
      const huge = { title: 'x'.repeat(20_000), image: 'https://img.example/x.png' };
      const path = name === 'admin' ? '/api/products' : '/api/products/1/like';
      const token = await system.tokenFor('1', name === 'admin' ? 'staff' : 'customer');
      const res = await services()[name].post(path).set('authorization', `Bearer ${token}`).send(huge).expect(413);
      assert.equal(res.body.code, 'payload_too_large');
      assertSafeErrorBody(res.status, res.body, name);
    });

    test(`${name}: malformed JSON, unknown routes and bad ids answer 4xx bodies that leak nothing`, async () => {
      const token = await system.tokenFor('1', 'staff');
      const answers = [
        await services()
          [name].post('/api/products')
          .set('authorization', `Bearer ${token}`)
          .set('content-type', 'application/json')
          .send('{"title": '),
        await services()[name].get('/api/nowhere/../../etc/passwd'),
        await services()[name].get('/api/products/1%27%20OR%201=1').set('authorization', `Bearer ${token}`),
        await services()[name].get('/api/products/99999999999999999999').set('authorization', `Bearer ${token}`),
      ];
      for (const res of answers) {
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} is a client error`);
        assertSafeErrorBody(res.status, res.body, `${name} ${res.status}`);
      }
    });
  }

  test('servers get explicit header, request and keep-alive timeouts', () => {
    const server = applyServerTimeouts(createServer());
    assert.equal(server.headersTimeout, SERVER_TIMEOUTS.headersTimeout);
    assert.equal(server.requestTimeout, SERVER_TIMEOUTS.requestTimeout);
    assert.equal(server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveTimeout);
    assert.ok(SERVER_TIMEOUTS.headersTimeout < SERVER_TIMEOUTS.requestTimeout && SERVER_TIMEOUTS.requestTimeout <= 60_000);
  });
});
