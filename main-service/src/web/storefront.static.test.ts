import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMain, type MainUnderTest } from '../test-support';

describe('the storefront at /', () => {
  let root: string;
  let main: MainUnderTest;
  let unbuilt: MainUnderTest;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'storefront-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>storefront</title>');
    writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    mkdirSync(path.join(root, 'demo'));
    writeFileSync(path.join(root, 'demo', 'lamp.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>');
    mkdirSync(path.join(root, 'api'));
    writeFileSync(path.join(root, 'api', 'stray.json'), '{}');
    [main, unbuilt] = await Promise.all([
      startMain({}, { storefrontRoot: root }),
      startMain({}, { storefrontRoot: path.join(root, 'missing') }),
    ]);
  });
  after(async () => {
    await Promise.all([main?.stop(), unbuilt?.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  test('serves the page, always revalidated, with a content security policy that allows only this origin to run code', async () => {
    const res = await request(main.app).get('/').expect(200);
    assert.match(res.text, /<title>storefront<\/title>/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    const csp = res.headers['content-security-policy'] ?? '';
    for (const directive of ["script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", 'img-src'])
      assert.ok(csp.includes(directive), directive);
  });

  test('serves hashed assets cached for a year', async () => {
    const res = await request(main.app).get('/assets/index-abc123.js').expect(200);
    assert.match(res.headers['cache-control'] ?? '', /max-age=31536000, immutable/);
  });

  test("serves the demo catalogue's pictures at /demo/ to any page as images that can run nothing, cached for a day", async () => {
    const res = await request(main.app).get('/demo/lamp.svg').expect(200);
    assert.match(res.headers['content-type'] ?? '', /^image\/svg\+xml/);
    assert.equal(res.headers['cache-control'], 'public, max-age=86400');
    assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'.*sandbox/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', "the console, on admin's origin, shows them too");
  });

  test('keeps the API beside it, closed by default: any other path, and no file under /api, answers 401 to an anonymous caller', async () => {
    await request(main.app).get('/api/products').expect(200);
    const res = await request(main.app).get('/nothing-here').expect(401);
    assert.equal(res.body.code, 'unauthenticated');
    await request(main.app)
      .get('/api/stray.json')
      .expect(401, /unauthenticated/);
  });

  test('when the storefront is not built, serves the API alone', async () => {
    await request(unbuilt.app).get('/').expect(401);
    await request(unbuilt.app).get('/api/products').expect(200);
  });
});
