import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createEvent, EventTypes, topologyFor, type ProductLiked, type ProductUnliked } from '@catalogue/shared';
import { createTestNamespace, type TestDatabase } from '@catalogue/shared/testing';
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
 * Property (decision 0024): for any set of likes and any subset of them taken back, with every
 * event delivered one to three times, in any order (an unlike before its like included), to
 * admin's real consumer taking them concurrently, each product's count ends at the number of its
 * likes not taken back: no like counted twice, no unlike counted twice, none lost to reordering.
 */
let db: TestDatabase;
let admin: RunningAdmin;
let publisher: Awaited<ReturnType<typeof openPublisher>>;
const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const observer = new CountingObserver();

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

describe('property: likes and unlikes with duplicate ids, in any order', () => {
  test("admin's count is the likes not taken back", async () => {
    const scenario = fc
      .record({
        products: fc.integer({ min: 1, max: 2 }),
        likes: fc.array(fc.record({ product: fc.nat(1), takenBack: fc.boolean() }), { minLength: 1, maxLength: 8 }),
      })
      .chain(({ products, likes }) => {
        const events = likes.length + likes.filter((l) => l.takenBack).length;
        return fc.record({
          products: fc.constant(products),
          likes: fc.constant(likes),
          copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events, maxLength: events }),
          keys: fc.array(fc.integer(), { minLength: events * 3, maxLength: events * 3 }),
        });
      });
    let unlikesBeforeTheirLikes = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ products, likes, copies, keys }) => {
        const ids: number[] = [];
        for (let i = 0; i < products; i++) ids.push(await createProduct());
        const productOf = (index: number) => ids[index % products]!;
        const liked: ProductLiked[] = likes.map((like, i) =>
          createEvent(EventTypes.ProductLiked, { productId: productOf(like.product), userId: `u${i}` }, { id: randomUUID() }),
        );
        const unliked: ProductUnliked[] = likes.flatMap((like, i) =>
          like.takenBack
            ? [
                createEvent(EventTypes.ProductUnliked, {
                  likeId: liked[i]!.id,
                  productId: liked[i]!.data.productId,
                  userId: liked[i]!.data.userId,
                }),
              ]
            : [],
        );
        const deliveries = deliveryOrder<ProductLiked | ProductUnliked>([...liked, ...unliked], copies, keys);
        for (const unlike of unliked) {
          const firstUnlike = deliveries.indexOf(unlike);
          if (firstUnlike < deliveries.findIndex((e) => e.id === unlike.data.likeId)) unlikesBeforeTheirLikes++;
        }

        const from = observer.mark();
        for (const event of deliveries) publisher.publish(topology.mainExchange, event.type, event, event.id);
        await publisher.confirmed();
        await observer.settled(from, deliveries.length, `${deliveries.length} like and unlike deliveries`);

        for (const id of ids) {
          const kept = likes.filter((like, i) => !like.takenBack && liked[i]!.data.productId === id).length;
          assert.equal(await likesOf(id), kept, `product ${id}`);
        }
        assert.equal(observer.deadLetters, 0);
      }),
      propertyParameters(),
    );
    assert.ok(observer.outcomes.duplicate > 0, 'duplicates were actually delivered and recognised');
    assert.ok(unlikesBeforeTheirLikes > 0, 'some unlikes were delivered before their likes');
  });
});
