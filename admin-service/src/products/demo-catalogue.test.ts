import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import { EventTypes } from '@catalogue/shared';
import { createTestDatabase } from '@catalogue/shared/testing';
import { publishedUpToNow, startAdmin, type AdminUnderTest } from '../test-support';
import { DEMO_PRODUCTS, seedDemoCatalogue } from './demo-catalogue';

// From admin-service/dist/products/ to the storefront's static files, which main serves at /.
const PICTURES = path.resolve(__dirname, '../../../main-service/web/public/demo');
const PICTURES_URL = 'http://127.0.0.1:5999/demo/';

let admin: AdminUnderTest;

before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

const productCount = async () => Number(((await admin.db.query('SELECT COUNT(*) AS n FROM products')) as { n: number }[])[0]!.n);

describe('the demo catalogue', () => {
  test('has a few dozen products, each with its own picture in the storefront, a small SVG', () => {
    assert.ok(DEMO_PRODUCTS.length >= 24 && DEMO_PRODUCTS.length <= 60, `${DEMO_PRODUCTS.length} products`);
    assert.equal(new Set(DEMO_PRODUCTS.map((p) => p.title)).size, DEMO_PRODUCTS.length, 'titles are unique');
    assert.equal(new Set(DEMO_PRODUCTS.map((p) => p.picture)).size, DEMO_PRODUCTS.length, 'pictures are unique');
    for (const { picture } of DEMO_PRODUCTS) {
      const file = path.join(PICTURES, picture);
      assert.ok(existsSync(file), `${picture} is in main-service/web/public/demo`);
      const svg = readFileSync(file, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok(svg.length < 4096, `${picture} is small (${svg.length} bytes)`);
      assert.doesNotMatch(svg, /<script|href=|url\(/i, `${picture} loads and runs nothing`);
    }
  });

  test('is created in an empty catalogue through the normal path: each product with its product_created event, pictures at the given address', async () => {
    const created = await seedDemoCatalogue(admin.db, PICTURES_URL);
    assert.equal(created, DEMO_PRODUCTS.length);
    const rows: { id: number; title: string; image: string; version: number }[] = await admin.db.query(
      'SELECT id, title, image, version FROM products ORDER BY id',
    );
    assert.deepEqual(
      rows.map((r) => [r.title, r.image]),
      DEMO_PRODUCTS.map((p) => [p.title, `${PICTURES_URL}${p.picture}`]),
    );
    // admin's relay publishes them like any product it creates: main's copy is fed by these events.
    const published = await publishedUpToNow(admin);
    const announced = new Map(published.filter((e) => e.type === EventTypes.ProductCreated).map((e) => [e.data.id, e]));
    for (const row of rows) {
      const event = announced.get(Number(row.id));
      assert.ok(event?.type === EventTypes.ProductCreated, `product_created for ${row.title}`);
      assert.deepEqual(event.data, { id: Number(row.id), title: row.title, image: row.image, version: 1 });
    }
  });

  test('is never added to a catalogue that has (or had) products, and two seeds at once make one catalogue', async () => {
    const before = await productCount();
    assert.ok(before > 0);
    assert.equal(await seedDemoCatalogue(admin.db, PICTURES_URL), 0);
    assert.equal(await productCount(), before);

    const fresh = await startAdmin();
    try {
      const both = await Promise.all([seedDemoCatalogue(fresh.db, PICTURES_URL), seedDemoCatalogue(fresh.db, PICTURES_URL)]);
      assert.deepEqual(
        both.sort((a, b) => a - b),
        [0, DEMO_PRODUCTS.length],
      );
      assert.equal(Number(((await fresh.db.query('SELECT COUNT(*) AS n FROM products')) as { n: number }[])[0]!.n), DEMO_PRODUCTS.length);

      // A catalogue whose only product was deleted is not empty: someone used it.
      const other = await startAdmin();
      try {
        const { body } = await other.api.post('/api/products').send({ title: 'Gone', image: 'https://img.example/gone.png' }).expect(201);
        await other.api.delete(`/api/products/${body.id}`).expect(204);
        assert.equal(await seedDemoCatalogue(other.db, PICTURES_URL), 0);
      } finally {
        await other.stop();
      }
    } finally {
      await fresh.stop();
    }
  });

  test('the seed command (npm run setup, compose) creates the users and the demo catalogue once, then leaves them', async () => {
    const db = await createTestDatabase('seed');
    try {
      await migrateSchema('admin', db.credentials);
      const seed = () =>
        spawnSync(process.execPath, [path.resolve(__dirname, '../seed.js')], {
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'development',
            LOG_LEVEL: 'silent',
            ...db.env,
            DEMO_PICTURES_URL: 'http://127.0.0.1:5000/demo',
          },
          encoding: 'utf8',
          timeout: 120_000,
        });
      const first = seed();
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /admin users: 8 created, 0 already there/);
      assert.match(
        first.stdout,
        new RegExp(`demo catalogue: ${DEMO_PRODUCTS.length} products created, pictures at http://127\\.0\\.0\\.1:5000/demo/`),
      );
      const again = seed();
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /demo catalogue: not added, the catalogue already has products/);
      const rows: { n: number; events: number }[] = await admin.db.query(
        `SELECT (SELECT COUNT(*) FROM \`${db.credentials.database}\`.products) AS n, (SELECT COUNT(*) FROM \`${db.credentials.database}\`.outbox WHERE event_type = 'product_created') AS events`,
      );
      assert.deepEqual(
        [Number(rows[0]!.n), Number(rows[0]!.events)],
        [DEMO_PRODUCTS.length, DEMO_PRODUCTS.length],
        'each product with its event, waiting for a relay',
      );
    } finally {
      await db.drop();
    }
  });

  test('the seed command refuses production, naming why, before it connects to anything', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const run = spawnSync(process.execPath, [path.resolve(__dirname, '../seed.js')], {
      // A configuration production would accept (the database and broker are never reached).
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        RUN_HTTP: 'false',
        DB_HOST: '127.0.0.1',
        DB_PORT: '1',
        DB_USER: 'nobody',
        DB_PASSWORD: 'not-used',
        RABBITMQ_URL: 'amqp://nobody:not-used@127.0.0.1:1',
        JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^admin seed: the development seed .* refuses NODE_ENV=production/);
  });
});
