import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createEvent, EventTypes, type ProductLiked } from '@catalogue/shared';
import { createTestNamespace, type TestDatabase } from '@catalogue/shared/testing';
import { topologyFor } from '@catalogue/shared';
import {
  CountingObserver,
  deliveryOrder,
  migratedDatabase,
  openPublisher,
  propertyParameters,
  runAdmin,
  type RunningAdmin,
} from './support';

/**
 * Property: for any multiset of like events (duplicate ids, any order, delivered concurrently to
 * admin's real consumer), admin counts each distinct like exactly once, and keeps likes for a
 * product it does not have aside, once each.
 */
let db: TestDatabase;
let admin: RunningAdmin;
let publisher: Awaited<ReturnType<typeof openPublisher>>;
const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const observer = new CountingObserver();
let nextUnknownId = 1_500_000_000;

before(async () => {
  db = await migratedDatabase('admin');
  admin = await runAdmin(db, ns.namespace, observer, { AMQP_PREFETCH: '20' });
  publisher = await openPublisher();
});
after(async () => {
  await publisher?.close();
  await admin?.stop();
  await db?.drop();
  await ns.cleanup();
});

async function createProduct(): Promise<number> {
  const result: { insertId: number } = await admin.dataSource.query(
    "INSERT INTO products (title, image) VALUES ('p', 'https://img.example/p.png')",
  );
  return Number(result.insertId);
}

async function likesOf(id: number): Promise<number> {
  const rows: { likes: number }[] = await admin.dataSource.query('SELECT likes FROM products WHERE id = ?', [id]);
  return Number(rows[0]!.likes);
}

async function unmatchedFor(id: number): Promise<number> {
  const rows: { n: number }[] = await admin.dataSource.query('SELECT COUNT(*) AS n FROM unmatched_likes WHERE product_id = ?', [id]);
  return Number(rows[0]!.n);
}

describe('property: like events with duplicate ids, in any order', () => {
  test('admin counts each distinct like once', async () => {
    const scenario = fc
      .record({
        products: fc.integer({ min: 1, max: 3 }),
        // Index `products` stands for a product admin does not have.
        likes: fc.array(fc.record({ product: fc.nat(3), user: fc.stringMatching(/^u[0-9]{1,3}$/) }), { minLength: 1, maxLength: 10 }),
      })
      .chain(({ products, likes }) =>
        fc.record({
          products: fc.constant(products),
          likes: fc.constant(likes),
          copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: likes.length, maxLength: likes.length }),
          keys: fc.array(fc.integer(), { minLength: likes.length * 3, maxLength: likes.length * 3 }),
        }),
      );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ products, likes, copies, keys }) => {
        const ids: number[] = [];
        for (let i = 0; i < products; i++) ids.push(await createProduct());
        const unknown = nextUnknownId++;
        const target = (index: number) => (index < products ? ids[index]! : unknown);
        const events: ProductLiked[] = likes.map((like) =>
          createEvent(EventTypes.ProductLiked, { productId: target(like.product), userId: like.user }, { id: randomUUID() }),
        );
        const deliveries = deliveryOrder(events, copies, keys);

        const from = observer.mark();
        const [applied, duplicates] = [observer.outcomes.applied, observer.outcomes.duplicate];
        for (const event of deliveries) publisher.publish(topology.mainExchange, event.type, event, event.id);
        await publisher.confirmed();
        await observer.settled(from, deliveries.length, `${deliveries.length} like deliveries`);
        // The inbox's own verdicts: each distinct event applied once, every extra copy a duplicate.
        assert.equal(observer.outcomes.applied - applied, events.length, 'each distinct event applied once');
        assert.equal(
          observer.outcomes.duplicate - duplicates,
          deliveries.length - events.length,
          'every extra copy recognised by the inbox',
        );

        for (const id of [...ids, unknown]) {
          const distinct = events.filter((e) => e.data.productId === id).length;
          if (id === unknown) assert.equal(await unmatchedFor(id), distinct, 'likes for an unknown product kept aside once each');
          else assert.equal(await likesOf(id), distinct, `product ${id}`);
        }
        assert.equal(observer.deadLetters, 0);
      }),
      propertyParameters(),
    );
    assert.ok(observer.outcomes.duplicate > 0, 'duplicates were actually delivered and recognised');
  });
});
