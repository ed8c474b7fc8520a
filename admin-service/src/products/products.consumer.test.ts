import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEAD_LETTER_REASON_HEADER, EventTypes } from '@catalogue/shared';
import { drainQueue, eventually, publishRaw } from '@catalogue/shared/testing';
import { aProduct, publishLike, readyMessages, startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  // One delivery at a time: once a later like is counted, every earlier message is settled.
  admin = await startAdmin({ AMQP_PREFETCH: '1' });
});
after(async () => {
  await admin?.stop();
});

async function createProduct(): Promise<number> {
  const res = await admin.api.post('/api/products').send(aProduct()).expect(201);
  return res.body.id;
}

async function likesOf(id: number): Promise<number> {
  const rows: { likes: number }[] = await admin.db.query('SELECT likes FROM products WHERE id = ?', [id]);
  return Number(rows[0]?.likes);
}

function likesReach(id: number, expected: number): Promise<true> {
  return eventually(async () => (await likesOf(id)) === expected, { what: `product ${id} to have ${expected} likes` });
}

async function processed(eventId: string): Promise<boolean> {
  const rows: unknown[] = await admin.db.query('SELECT 1 FROM processed_events WHERE event_id = ?', [eventId]);
  return rows.length === 1;
}

describe('product_liked from main', () => {
  test('when a like arrives for a product, its likes grow by one and the API shows it', async () => {
    const id = await createProduct();
    await publishLike(admin, { productId: id, userId: 'user-1' });
    await likesReach(id, 1);
    const res = await admin.api.get(`/api/products/${id}`).expect(200);
    assert.equal(res.body.likes, 1);
  });

  test('when the same event is delivered twice, it counts once', async () => {
    const id = await createProduct();
    const like = await publishLike(admin, { productId: id, userId: 'user-2' });
    await publishLike(admin, { productId: id, userId: 'user-2' }, like.id);
    const last = await publishLike(admin, { productId: id, userId: 'user-3' });
    await eventually(() => processed(last.id), { what: 'the last like to be processed' });
    assert.equal(await likesOf(id), 2);
    assert.equal(await readyMessages(admin.topology.adminQueue), 0);
  });

  test('when a like names a product admin does not have, it is recorded in unmatched_likes and acknowledged', async () => {
    const unknownId = 2_000_000_000;
    const like = await publishLike(admin, { productId: unknownId, userId: 'user-4' });
    const marker = await createProduct();
    await publishLike(admin, { productId: marker, userId: 'user-4' });
    await likesReach(marker, 1);

    const rows: { product_id: number; user_id: string }[] = await admin.db.query(
      'SELECT product_id, user_id FROM unmatched_likes WHERE event_id = ?',
      [like.id],
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r, product_id: Number(r.product_id) })),
      [{ product_id: unknownId, user_id: 'user-4' }],
    );
    assert.equal(await processed(like.id), true, 'the like was committed as processed, so it was acked, not requeued');
    assert.equal(await readyMessages(admin.topology.adminQueue), 0);
    assert.equal((await drainQueue(admin.topology.adminDeadLetterQueue)).length, 0);
  });

  test('when a like names a deleted product, it does not count and is recorded as unmatched', async () => {
    const id = await createProduct();
    await admin.api.delete(`/api/products/${id}`).expect(204);
    const like = await publishLike(admin, { productId: id, userId: 'user-5' });
    await eventually(() => processed(like.id), { what: 'the like to be processed' });
    assert.equal(await likesOf(id), 0);
    const rows: unknown[] = await admin.db.query('SELECT 1 FROM unmatched_likes WHERE event_id = ?', [like.id]);
    assert.equal(rows.length, 1);
  });

  test('when a message is not JSON, it is dead-lettered with its reason and the next like still counts', async () => {
    await publishRaw(admin.topology.mainExchange, EventTypes.ProductLiked, '{"type": "product_liked", ', { messageId: 'not-json' });
    const id = await createProduct();
    await publishLike(admin, { productId: id, userId: 'user-6' });
    await likesReach(id, 1);

    const dead = await eventually(
      async () => (await drainQueue(admin.topology.adminDeadLetterQueue)).find((m) => m.properties.messageId === 'not-json'),
      {
        what: 'the malformed message in the dead-letter queue',
      },
    );
    assert.equal(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER], 'malformed JSON');
  });

  test('when a like breaks the contract, it is dead-lettered naming the field and changes nothing', async () => {
    const id = await createProduct();
    const invalid = {
      id: '0b7a4f5e-8f2a-4c5e-9a59-0a4f3e2d1c0b',
      type: 'product_liked',
      source: 'main',
      occurredAt: new Date().toISOString(),
      data: { productId: id, userId: '' },
    };
    await publishRaw(admin.topology.mainExchange, EventTypes.ProductLiked, JSON.stringify(invalid), { messageId: 'off-contract' });
    await publishLike(admin, { productId: id, userId: 'user-7' });
    await likesReach(id, 1);

    const dead = await eventually(
      async () => (await drainQueue(admin.topology.adminDeadLetterQueue)).find((m) => m.properties.messageId === 'off-contract'),
      {
        what: 'the invalid message in the dead-letter queue',
      },
    );
    assert.match(String(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]), /data\.userId/);
    assert.equal(await processed(invalid.id), false);
  });
});
