import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createLogger } from '@catalogue/shared';
import { consoleHandlers } from './console.static';

const logger = createLogger({ service: 'console-static-test', level: 'silent' });

describe('the console under /admin', () => {
  let root: string;
  let app: express.Express;

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'console-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
    app = express();
    app.use('/admin', ...consoleHandlers(root, logger));
    app.use((_req, res) => {
      res.status(404).json({ code: 'route_not_found' });
    });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('serves index.html, never cached, with a strict content security policy, for every page path', async () => {
    for (const page of ['/admin/', '/admin/products', '/admin/products/3/edit', '/admin/operations']) {
      const res = await request(app).get(page).expect(200);
      assert.match(res.text, /<title>console<\/title>/, page);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(res.headers['content-security-policy'] ?? '', /script-src 'self'/);
      assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    }
  });

  test('serves hashed assets cached for a year, and a missing asset is a 404, not the page', async () => {
    const asset = await request(app).get('/admin/assets/app-abc123.js').expect(200);
    assert.match(asset.headers['cache-control'] ?? '', /immutable/);
    await request(app).get('/admin/assets/gone-000.js').expect(404);
  });

  test('leaves other methods and paths to the API', async () => {
    await request(app).post('/admin/products').expect(404);
    await request(app).get('/api/products').expect(404);
  });

  test('serves the pages from a checkout under a folder whose name starts with a dot', async () => {
    const hidden = mkdtempSync(path.join(tmpdir(), '.checkout-'));
    try {
      const dotRoot = path.join(hidden, '.local', 'web', 'dist');
      mkdirSync(path.join(dotRoot, 'assets'), { recursive: true });
      writeFileSync(path.join(dotRoot, 'index.html'), '<!doctype html><title>hidden console</title>');
      writeFileSync(path.join(dotRoot, 'assets', 'app-def456.js'), 'console.log(2)');
      const hiddenApp = express();
      hiddenApp.use('/admin', ...consoleHandlers(dotRoot, logger));
      for (const page of ['/admin/', '/admin/products/3/edit']) {
        const res = await request(hiddenApp).get(page).expect(200);
        assert.match(res.text, /hidden console/, page);
      }
      await request(hiddenApp).get('/admin/assets/app-def456.js').expect(200);
    } finally {
      rmSync(hidden, { recursive: true, force: true });
    }
  });

  test('serves nothing when the console is not built', async () => {
    assert.deepEqual(consoleHandlers(path.join(root, 'missing'), logger), []);
  });
});
