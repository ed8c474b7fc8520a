import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import request from 'supertest';
import { createLogger, EventTypes, ServiceMetrics } from '@catalogue/shared';
import { eventually, sampleValue } from '@catalogue/shared/testing';
import type { MainService } from '../app';
import { freshProductId, publishAdminEvent, startMain, startReplica, tokenFor, type MainUnderTest } from '../test-support';
import { ProductChanges, type ProductChangesSettings } from './product-changes';
import { ProductChangeMetrics } from './product-changes.metrics';
import { ProductChangesRepository, type ProductChange } from './product-changes.repository';

/**
 * Two API replicas on one database, as in production: A serves (its consumer off), B takes likes
 * and runs the consumer. A hears of B's work only through the change feed: its list cache lives
 * a minute, far longer than any wait here.
 */
let replicaA: MainUnderTest;
let replicaB: MainService & { stop(): Promise<void> };
const heardByA: ProductChange[] = [];

before(async () => {
  replicaA = await startMain({ PRODUCT_LIST_CACHE_MS: '60000', PRODUCT_CHANGES_POLL_MS: '50', RUN_CONSUMER: 'false' });
  await replicaA.changes.start();
  replicaA.changes.subscribe((changes) => heardByA.push(...changes));
  replicaB = await startReplica(replicaA, { RUN_CONSUMER: true });
  await replicaB.messaging.ready();
});
after(async () => {
  await replicaB.stop();
  await replicaA.stop();
});

async function liveProduct(title: string): Promise<number> {
  const id = freshProductId();
  await replicaA.dataSource.query('INSERT INTO products (id, title, image, version) VALUES (?, ?, ?, 1)', [
    id,
    title,
    `https://img.example/${id}.png`,
  ]);
  return id;
}

const listed = async (id: number) =>
  ((await request(replicaA.app).get('/api/products?limit=100').expect(200)).body as { id: number; title: string; likes: number }[]).find(
    (p) => p.id === id,
  );

describe('the change feed between replicas', () => {
  test("a like taken by another replica reaches this replica's listeners with the new count, and its cached list", async () => {
    const id = await liveProduct('Teapot');
    assert.equal((await listed(id))?.likes, 0, 'the page is now cached with no likes');
    await request(replicaB.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('feed-liker')}`)
      .expect(200);

    const change = await eventually(async () => heardByA.find((c) => c.productId === id && c.kind === 'likes'), {
      what: "the like in A's feed",
    });
    assert.equal(change.product.likes, 1);
    assert.equal(change.product.title, 'Teapot');
    await eventually(async () => (await listed(id))?.likes === 1, { what: "the new count on A's cached list" });
    const text = (await replicaA.metrics.exposition()).body;
    assert.ok(
      sampleValue(text, 'catalogue_product_change_delay_seconds_count', { kind: 'likes', service: 'main' }) >= 1,
      'the delay is measured by kind',
    );
  });

  test('a product change applied by a consumer in another process shows on this replica, renamed, then gone', async () => {
    const id = freshProductId();
    await publishAdminEvent(replicaA, EventTypes.ProductCreated, {
      id,
      title: 'Old lamp',
      image: `https://img.example/${id}.png`,
      version: 1,
    });
    await eventually(async () => (await listed(id))?.title === 'Old lamp', { what: 'the created product on A' });
    await publishAdminEvent(replicaA, EventTypes.ProductUpdated, {
      id,
      title: 'New lamp',
      image: `https://img.example/${id}.png`,
      version: 2,
    });
    await eventually(async () => (await listed(id))?.title === 'New lamp', { what: 'the renamed product on A' });
    await publishAdminEvent(replicaA, EventTypes.ProductDeleted, { id, version: 3 });
    await eventually(async () => (await listed(id)) === undefined, { what: 'the deleted product to leave A' });

    const kinds = heardByA.filter((c) => c.productId === id).map((c) => c.kind);
    assert.deepEqual(kinds, ['created', 'updated', 'deleted']);
    const deleted = heardByA.find((c) => c.productId === id && c.kind === 'deleted')!;
    assert.equal(deleted.product.deleted, true);
  });

  test('a stale event (older version) changes nothing and writes no change', async () => {
    const id = freshProductId();
    await publishAdminEvent(replicaA, EventTypes.ProductCreated, {
      id,
      title: 'Chair v2',
      image: `https://img.example/${id}.png`,
      version: 2,
    });
    await eventually(async () => heardByA.some((c) => c.productId === id), { what: 'the created product in the feed' });
    await publishAdminEvent(replicaA, EventTypes.ProductUpdated, {
      id,
      title: 'Chair v1',
      image: `https://img.example/${id}.png`,
      version: 1,
    });
    await eventually(
      async () =>
        ((await replicaA.dataSource.query('SELECT 1 FROM processed_events WHERE event_type = ?', [EventTypes.ProductUpdated])) as unknown[])
          .length > 0,
      {
        what: 'the stale update to be consumed',
      },
    );
    const rows: unknown[] = await replicaA.dataSource.query('SELECT id FROM product_changes WHERE product_id = ?', [id]);
    assert.equal(rows.length, 1, 'only the creation');
  });
});

/** A feed reader of the test's own over a repository that counts its reads, so a test can wait for reads that must not deliver. */
class CountingRepository extends ProductChangesRepository {
  reads = 0;
  override async after(afterId: number, limit: number, upTo?: number): Promise<ProductChange[]> {
    this.reads++;
    return super.after(afterId, limit, upTo);
  }
}

describe('ordering: a later id that commits first', () => {
  let repository: CountingRepository;
  let feed: ProductChanges;
  let metrics: ServiceMetrics;
  const heard: ProductChange[] = [];
  let writer: mysql.Connection;
  let other: mysql.Connection;

  const start = async (settings: Partial<ProductChangesSettings> = {}) => {
    repository = new CountingRepository(replicaA.dataSource);
    metrics = new ServiceMetrics('main', { defaultMetrics: false });
    feed = new ProductChanges(
      repository,
      { pollMs: 30, retentionSeconds: 300, ...settings },
      new ProductChangeMetrics(metrics),
      createLogger({ service: 't', level: 'silent' }),
    );
    heard.length = 0;
    feed.subscribe((changes) => heard.push(...changes));
    await feed.start();
  };
  const ofProduct = (productId: number) => heard.filter((c) => c.productId === productId).map((c) => c.id);
  const readsFromNow = async (count: number) => {
    const target = repository.reads + count;
    await eventually(async () => repository.reads >= target, { what: `${count} more feed reads` });
  };
  const insertChange = async (connection: mysql.Connection, productId: number): Promise<number> => {
    const [result] = await connection.query('INSERT INTO product_changes (product_id, kind) VALUES (?, ?)', [productId, 'updated']);
    return (result as mysql.ResultSetHeader).insertId;
  };

  before(async () => {
    writer = await mysql.createConnection({ ...replicaA.db.credentials });
    other = await mysql.createConnection({ ...replicaA.db.credentials });
  });
  after(async () => {
    await feed?.stop();
    await writer.end();
    await other.end();
  });

  test('is held back until the earlier one commits; then both arrive in id order', async () => {
    await start();
    const product = await liveProduct('Held');
    await writer.query('START TRANSACTION');
    const earlier = await insertChange(writer, product);
    const later = await insertChange(other, product);
    await readsFromNow(5);
    assert.deepEqual(ofProduct(product), [], 'nothing delivered while the earlier id is open');
    await writer.query('COMMIT');
    await eventually(async () => ofProduct(product).length === 2, { what: 'both changes' });
    assert.deepEqual(ofProduct(product), [earlier, later]);
    await feed.stop();
  });

  test('an id whose transaction rolled back is skipped and counted; the changes after it flow', async () => {
    await start();
    const product = await liveProduct('Rolled back');
    await writer.query('START TRANSACTION');
    const lost = await insertChange(writer, product);
    await writer.query('ROLLBACK');
    const kept = await insertChange(other, product);
    await eventually(async () => ofProduct(product).length === 1, { what: 'the change after the gap' });
    assert.deepEqual(ofProduct(product), [kept]);
    assert.ok(kept > lost);
    assert.equal(
      sampleValue((await metrics.exposition()).body, 'catalogue_product_changes_skipped_total', { reason: 'rolled_back', service: 'main' }),
      kept - lost,
    );
    await feed.stop();
  });

  test('a transaction that stays open past the longest wait is skipped (counted), so it cannot stall every reader', async () => {
    await start({ gapGiveUpMs: 800 });
    const product = await liveProduct('Stuck');
    await writer.query('START TRANSACTION');
    const stuck = await insertChange(writer, product);
    const later = await insertChange(other, product);
    await eventually(async () => ofProduct(product).length === 1, { what: 'the change after the stuck one' });
    assert.deepEqual(ofProduct(product), [later]);
    assert.equal(
      sampleValue((await metrics.exposition()).body, 'catalogue_product_changes_skipped_total', { reason: 'timed_out', service: 'main' }),
      1,
    );
    await writer.query('COMMIT');
    await readsFromNow(3);
    assert.deepEqual(ofProduct(product), [later], `the stuck change (${stuck}), below the position, is never delivered out of order`);
    await feed.stop();
  });
});

describe('resuming after an id (a reconnecting reader)', () => {
  test('replays the changes after it, then live ones: none missed, none twice', async () => {
    const id = await liveProduct('Resumed');
    const from = replicaA.changes.position;
    const token = await tokenFor('resume-a');
    await request(replicaB.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${token}`).expect(200);
    await request(replicaB.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('resume-b')}`)
      .expect(200);
    await eventually(async () => heardByA.filter((c) => c.productId === id).length === 2, { what: 'both likes delivered to A' });

    const got: ProductChange[] = [];
    const unsubscribe = await replicaA.changes.resume(from, (changes) => got.push(...changes));
    assert.notEqual(unsubscribe, 'expired');
    await request(replicaB.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('resume-c')}`)
      .expect(200);
    await eventually(async () => got.filter((c) => c.productId === id).length === 3, { what: 'the replay and the live like' });
    if (typeof unsubscribe === 'function') unsubscribe();

    const ids = got.map((c) => c.id);
    assert.deepEqual(
      ids,
      [...new Set(ids)].sort((a, b) => a - b),
      'ascending, no repeats',
    );
    assert.ok(ids.every((changeId) => changeId > from));
    assert.equal(got.filter((c) => c.productId === id).at(-1)!.product.likes, 3);
  });

  test("is 'expired' when the feed was pruned past the id, or the id was never written", async () => {
    const id = await liveProduct('Pruned');
    const from = replicaA.changes.position;
    await request(replicaB.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('pruned-a')}`)
      .expect(200);
    await eventually(async () => replicaA.changes.position > from, { what: 'the like delivered to A' });
    const repository = new ProductChangesRepository(replicaA.dataSource);
    await eventually(async () => (await repository.prune(0, 100_000)) >= 0 && (await repository.oldest()) === undefined, {
      what: 'the feed pruned empty',
    });

    assert.equal(await replicaA.changes.resume(from, () => undefined), 'expired');
    assert.equal(await replicaA.changes.resume(replicaA.changes.position + 1_000_000, () => undefined), 'expired');
    const upToDate = await replicaA.changes.resume(replicaA.changes.position, () => undefined);
    assert.equal(typeof upToDate, 'function', 'a reader that missed nothing resumes');
    if (typeof upToDate === 'function') upToDate();
  });
});
