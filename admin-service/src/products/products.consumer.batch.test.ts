import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEvent, EventTypes } from '@catalogue/shared';
import { eventually, publishRaw } from '@catalogue/shared/testing';
import { aProduct, startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  // The default prefetch: deliveries that arrive together are applied in one transaction.
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

const publish = (event: ReturnType<typeof createEvent>) =>
  publishRaw(admin.topology.mainExchange, event.type, JSON.stringify(event), { messageId: event.id, type: event.type });

async function count(sql: string, params: unknown[]): Promise<number> {
  const rows: { n: number }[] = await admin.db.query(sql, params);
  return Number(rows[0]?.n);
}

describe('product_liked deliveries arriving together', () => {
  test('many likes at once, one of them delivered twice and one for an unknown product: each counted once, the stray one kept aside', async () => {
    const id = (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
    const likes = Array.from({ length: 40 }, (_, i) => createEvent(EventTypes.ProductLiked, { productId: id, userId: `crowd-${i}` }));
    const stray = createEvent(EventTypes.ProductLiked, { productId: 987_654, userId: 'nobody' });
    await Promise.all([...likes, likes[0]!, stray].map(publish));

    await eventually(async () => (await count('SELECT likes AS n FROM products WHERE id = ?', [id])) === 40, { what: '40 likes counted' });
    await eventually(async () => (await count('SELECT COUNT(*) AS n FROM unmatched_likes WHERE event_id = ?', [stray.id])) === 1, {
      what: 'the stray like kept',
    });
    // The duplicate may arrive last: give it time, then check nothing was counted twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await count('SELECT likes AS n FROM products WHERE id = ?', [id]), 40);
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [[...likes.map((e) => e.id), stray.id]]),
      41,
    );
  });
});
