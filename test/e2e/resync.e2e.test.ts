import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import {
  createEvent,
  createLogger,
  createTransactionRunner,
  DependencyBreaker,
  EventTypes,
  type AdminSnapshotRow,
  type SnapshotPage,
} from '@catalogue/shared';
import mysql from 'mysql2/promise';
import { migrateSchema } from '@catalogue/migrations';
import { createTestDatabase, createTestNamespace, eventually, FaultProxy, publishRaw } from '@catalogue/shared/testing';
import { buildResync } from '@catalogue/main-service/dist/app';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { AdminSnapshotClient } from '@catalogue/main-service/dist/products/admin-snapshot.client';
import { ProductsRepository } from '@catalogue/main-service/dist/products/products.repository';
import { ProductChangesRepository } from '@catalogue/main-service/dist/products/product-changes.repository';
import { ProductsResync, type SnapshotSource } from '@catalogue/main-service/dist/products/products.resync';
import { ProductsService } from '@catalogue/main-service/dist/products/products.service';
import { listen, type ListeningSystem } from '../support/http';
import { startSystem, type SystemUnderTest } from '../support/system';

/** A breaker of its own for each client a test builds (its timeout as given, main's default thresholds). */
const snapshotBreaker = (timeoutMs: number) => new DependencyBreaker('admin_snapshot', { timeoutMs, failures: 5, halfOpenAfterMs: 5000 });

let system: SystemUnderTest;
let http: ListeningSystem;
/** Main's snapshot-reader credential for admin's internal snapshot (ADMIN_TOKEN in production). */
let adminToken: string;
const logger = createLogger({ service: 'resync-test', level: 'silent' });

before(async () => {
  system = await startSystem();
  http = await listen(system);
  adminToken = await system.tokenFor('main-service', 'snapshot-reader');
});
after(async () => {
  await http?.close();
  await system?.stop();
});

interface MainRow {
  title: string;
  image: string;
  version: number;
  deleted: boolean;
  likes: number;
}

async function mainRow(id: number): Promise<MainRow | undefined> {
  const rows: { title: string; image: string; version: number; deleted_at: Date | null; likes: number }[] =
    await system.main.dataSource.query('SELECT title, image, version, deleted_at, likes FROM products WHERE id = ?', [id]);
  const row = rows[0];
  return (
    row && { title: row.title, image: row.image, version: Number(row.version), deleted: row.deleted_at !== null, likes: Number(row.likes) }
  );
}

async function createInAdmin(title: string): Promise<number> {
  const res = await system.admin.api
    .post('/api/products')
    .send({ title, image: `https://img.example/${encodeURIComponent(title)}.png` })
    .expect(201);
  return res.body.id as number;
}

async function updateInAdmin(id: number, title: string): Promise<void> {
  await system.admin.api
    .put(`/api/products/${id}`)
    .send({ title, image: `https://img.example/${encodeURIComponent(title)}.png` })
    .expect(202);
}

/** Waits until main's consumer has applied what admin published so far (a marker product arrives last). */
async function mainCaughtUp(): Promise<void> {
  const marker = await createInAdmin(`marker ${Date.now()}`);
  await eventually(async () => (await mainRow(marker)) !== undefined, { what: 'the marker product in main' });
}

/** The state a fresh main database would have: no products, no likes, no events seen. */
async function emptyMainCopy(): Promise<void> {
  await system.main.dataSource.query('DELETE FROM likes');
  await system.main.dataSource.query('DELETE FROM products');
  await system.main.dataSource.query('DELETE FROM processed_events');
}

function resyncWith(source?: (inner: SnapshotSource) => SnapshotSource, pageSize = 2): ProductsResync {
  const repository = new ProductsRepository(system.main.dataSource);
  const adminSource = new AdminSnapshotClient(http.adminUrl, snapshotBreaker(2000), adminToken);
  return new ProductsResync(
    source ? source(adminSource) : adminSource,
    new ProductsService(repository, new ProductChangesRepository(system.main.dataSource)),
    repository,
    createTransactionRunner(system.main.dataSource, { idempotent: true }),
    logger,
    pageSize,
  );
}

async function adminSnapshot(): Promise<Map<number, AdminSnapshotRow>> {
  const rows = new Map<number, AdminSnapshotRow>();
  let after = 0;
  for (;;) {
    const res = await system.admin.api.get(`/internal/products/snapshot?after=${after}&limit=3`).expect(200);
    const page = res.body as SnapshotPage<AdminSnapshotRow>;
    for (const row of page.items) rows.set(row.id, row);
    if (page.next === null) return rows;
    after = page.next;
  }
}

describe('resync: main rebuilds its product copy from admin', () => {
  beforeEach(() => mainCaughtUp());

  test('an empty copy is rebuilt page by page: live products as admin has them, deleted ones as tombstones', async () => {
    const kept = await createInAdmin('Kept');
    const changed = await createInAdmin('Changed');
    await updateInAdmin(changed, 'Changed twice');
    const gone = await createInAdmin('Gone');
    await system.admin.api.delete(`/api/products/${gone}`).expect(204);
    await mainCaughtUp();
    await emptyMainCopy();

    const report = await resyncWith().runIfEmpty(() => false);

    const snapshot = await adminSnapshot();
    assert.ok(report, 'it ran because the copy was empty');
    assert.equal(report.rows, snapshot.size);
    assert.equal(report.applied, snapshot.size);
    assert.ok(report.pages >= Math.ceil(snapshot.size / 2));
    assert.deepEqual(await mainRow(kept), { title: 'Kept', image: 'https://img.example/Kept.png', version: 1, deleted: false, likes: 0 });
    assert.deepEqual(await mainRow(changed), {
      title: 'Changed twice',
      image: 'https://img.example/Changed%20twice.png',
      version: 2,
      deleted: false,
      likes: 0,
    });
    assert.equal((await mainRow(gone))?.deleted, true);
    assert.equal((await mainRow(gone))?.version, 2);
    await request(system.main.app).get(`/api/products/${gone}`).expect(404);
  });

  test('when admin is unreachable at start-up, the resync of an empty copy keeps retrying and completes once admin answers', async () => {
    const id = await createInAdmin('Waited for');
    await mainCaughtUp();
    await emptyMainCopy();
    const admin = new URL(http.adminUrl);
    const proxy = new FaultProxy(admin.hostname, Number(admin.port));
    const port = await proxy.start();
    try {
      proxy.setMode('reset');
      const repository = new ProductsRepository(system.main.dataSource);
      const resync = new ProductsResync(
        new AdminSnapshotClient(`http://127.0.0.1:${port}`, snapshotBreaker(1000), adminToken),
        new ProductsService(repository, new ProductChangesRepository(system.main.dataSource)),
        repository,
        createTransactionRunner(system.main.dataSource, { idempotent: true }),
        logger,
      );
      const running = resync.runIfEmpty(() => false);
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(await mainRow(id), undefined, 'nothing applied while admin is unreachable');
      proxy.setMode('pass');
      const report = await running;
      assert.ok(report && report.applied >= 1);
      assert.equal((await mainRow(id))?.title, 'Waited for');
    } finally {
      await proxy.stop();
    }
  });

  test('main-service started on an empty database fills its copy from admin by itself (RESYNC_ON_EMPTY)', async () => {
    const id = await createInAdmin('Found at start');
    await system.admin.api.put(`/api/products/${id}`).send({ title: 'Found at start v2', image: 'https://img.example/v2.png' }).expect(202);
    const freshDb = await createTestDatabase('main');
    await migrateSchema('main', freshDb.credentials);
    // A namespace of its own: no event of admin's can reach this main, only the resync.
    const ns = createTestNamespace();
    const child = spawn(process.execPath, [require.resolve('@catalogue/main-service/dist/main.js')], {
      env: {
        PATH: process.env.PATH,
        ...freshDb.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORT: '0',
        AMQP_NAMESPACE: ns.namespace,
        ADMIN_URL: http.adminUrl,
        ADMIN_TOKEN: adminToken,
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const conn = await mysql.createConnection(freshDb.credentials);
    try {
      const row = await eventually(
        async () => {
          const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT title, version FROM products WHERE id = ?', [id]);
          return rows[0];
        },
        { timeoutMs: 30_000, what: 'the product in the fresh main' },
      );
      assert.deepEqual({ title: row.title, version: Number(row.version) }, { title: 'Found at start v2', version: 2 });
    } finally {
      child.kill('SIGTERM');
      await exited;
      await conn.end();
      await freshDb.drop();
      await ns.cleanup();
    }
  });

  test('a copy that is not empty is left alone at start-up', async () => {
    const id = await createInAdmin('Present');
    await mainCaughtUp();
    await system.main.dataSource.query("UPDATE products SET title = 'drifted' WHERE id = ?", [id]);
    assert.equal(await resyncWith().runIfEmpty(() => false), undefined);
    assert.equal((await mainRow(id))?.title, 'drifted');
  });

  test('a live update that lands between the snapshot read and its apply wins, because its version is newer', async () => {
    const id = await createInAdmin('Before');
    await mainCaughtUp();
    // Pauses after reading the page that holds the product at version 1, while admin updates it to version 2.
    const racing = resyncWith(
      (inner) => ({
        async page(after, limit) {
          const page = await inner.page(after, limit);
          if (page.items.some((row) => row.id === id)) {
            await updateInAdmin(id, 'After');
            await eventually(async () => (await mainRow(id))?.version === 2, { what: 'the live update in main' });
          }
          return page;
        },
      }),
      200,
    );

    const report = await racing.run();

    assert.ok(report.stale >= 1, 'the older snapshot row was recognised as stale');
    assert.deepEqual(await mainRow(id), { title: 'After', image: 'https://img.example/After.png', version: 2, deleted: false, likes: 0 });
  });

  test('a late event older than what the resync applied changes nothing, and a resynced tombstone stays', async () => {
    const id = await createInAdmin('Old');
    await updateInAdmin(id, 'New');
    const deleted = await createInAdmin('Deleted');
    await system.admin.api.delete(`/api/products/${deleted}`).expect(204);
    await mainCaughtUp();
    await emptyMainCopy();
    await resyncWith().run();

    // The original events, delivered again late (new event ids, so the inbox does not filter them).
    const late = [
      createEvent(EventTypes.ProductCreated, { id, title: 'Old', image: 'https://img.example/Old.png', version: 1 }),
      createEvent(EventTypes.ProductCreated, { id: deleted, title: 'Deleted', image: 'https://img.example/Deleted.png', version: 1 }),
    ];
    for (const event of late)
      await publishRaw(system.topology.adminExchange, event.type, JSON.stringify(event), { messageId: event.id, type: event.type });
    await mainCaughtUp();

    assert.equal((await mainRow(id))?.title, 'New');
    assert.equal((await mainRow(deleted))?.deleted, true);
  });

  test('likes are never touched: a resync updates the product and keeps its likes and like rows', async () => {
    const id = await createInAdmin('Liked');
    await mainCaughtUp();
    await system.main.dataSource.query("INSERT INTO likes (id, product_id, user_id) VALUES (UUID(), ?, 'u1'), (UUID(), ?, 'u2')", [id, id]);
    await system.main.dataSource.query('UPDATE products SET likes = 2 WHERE id = ?', [id]);
    // Admin moves on while main misses the event: main's copy is behind.
    await system.main.dataSource.query("UPDATE products SET title = 'behind', version = 0 WHERE id = ?", [id]);

    await resyncWith().run();

    assert.deepEqual(await mainRow(id), { title: 'Liked', image: 'https://img.example/Liked.png', version: 1, deleted: false, likes: 2 });
    const likeRows: unknown[] = await system.main.dataSource.query('SELECT id FROM likes WHERE product_id = ?', [id]);
    assert.equal(likeRows.length, 2);
  });

  test('npm run resync is wired to the same code: buildResync reads admin from ADMIN_URL', async () => {
    const id = await createInAdmin('Wired');
    await mainCaughtUp();
    await system.main.dataSource.query("UPDATE products SET title = 'behind', version = 0 WHERE id = ?", [id]);
    const config = loadMainConfig({
      NODE_ENV: 'test',
      DB_USER: 'unused',
      DB_PASSWORD: '',
      ADMIN_URL: http.adminUrl,
      ADMIN_TOKEN: adminToken,
      RESYNC_PAGE_SIZE: '5',
    });
    const report = await buildResync(config, system.main.dataSource, logger).run();
    assert.ok(report.applied >= 1);
    assert.equal((await mainRow(id))?.title, 'Wired');
  });

  test('when admin answers off contract or not at all, the page is refused with a clear error and nothing is applied', async () => {
    const id = await createInAdmin('Untouched');
    await mainCaughtUp();
    await system.main.dataSource.query("UPDATE products SET title = 'behind', version = 0 WHERE id = ?", [id]);
    // A stand-in for an admin that answers rows off the contract (an empty title).
    const offContract = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          items: [{ id, deleted: false, title: '', image: 'https://img.example/x.png', version: 9, likes: 0 }],
          next: null,
        }),
      );
    });
    await new Promise<void>((resolve) => offContract.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(offContract.address() as AddressInfo).port}`;
      await assert.rejects(
        resyncWith((_inner) => new AdminSnapshotClient(url, snapshotBreaker(2000))).run(),
        /off contract: items\.0\.title/,
      );
    } finally {
      offContract.close();
    }
    await assert.rejects(resyncWith((_inner) => new AdminSnapshotClient('http://127.0.0.1:1', snapshotBreaker(500), adminToken)).run());
    // Admin refuses its snapshot to a caller without a staff token.
    await assert.rejects(
      resyncWith((_inner) => new AdminSnapshotClient(http.adminUrl, snapshotBreaker(2000))).run(),
      /admin's snapshot answered 401/,
    );
    const customer = await system.tokenFor('c', 'customer');
    await assert.rejects(
      resyncWith((_inner) => new AdminSnapshotClient(http.adminUrl, snapshotBreaker(2000), customer)).run(),
      /admin's snapshot answered 403/,
    );
    assert.equal((await mainRow(id))?.title, 'behind');
  });
});
