import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { COMMITTED_AT_HEADER, committedAtMs, type ProductLiked } from '@catalogue/shared';
import { drainQueue, eventually } from '@catalogue/shared/testing';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

describe('a like re-announced by reconcile, as its lag is measured', () => {
  let main: MainUnderTest;
  before(async () => {
    main = await startMain();
  });
  after(() => main?.stop());

  const nextLike = (productId: number) =>
    eventually(
      async () =>
        (await drainQueue(main.messaging.topology.adminQueue))
          .map((message) => ({
            event: JSON.parse(message.content.toString('utf8')) as ProductLiked,
            headers: message.properties.headers ?? {},
          }))
          .find(({ event }) => event.data.productId === productId),
      { what: 'the like on the broker' },
    );

  test('keeps its original occurredAt and id, but carries the time it was committed again, which the lag starts from', async () => {
    const productId = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lag', 'https://img.example/lag.png', 1)", [
      productId,
    ]);
    await request(main.app)
      .post(`/api/products/${productId}/like`)
      .set('authorization', `Bearer ${await tokenFor('lag-user')}`)
      .expect(200);
    const first = await nextLike(productId);
    assert.ok(Math.abs(Number(first.headers[COMMITTED_AT_HEADER]) - Date.now()) < 60_000, 'the relay says when the row was committed');

    // The like happened two days ago (as if admin missed it then); reconcile puts it back in the outbox now.
    await main.dataSource.query('UPDATE likes SET created_at = created_at - INTERVAL 2 DAY WHERE product_id = ?', [productId]);
    await request(main.app)
      .post(`/internal/products/${productId}/likes/announce`)
      .set('authorization', `Bearer ${await tokenFor('1', { role: 'staff' })}`)
      .expect(202);
    const again = await nextLike(productId);

    assert.equal(again.event.id, first.event.id, 'the same event id, so admin counts it at most once');
    assert.ok(Date.now() - Date.parse(again.event.occurredAt) > 86_400_000, 'its original occurrence, two days ago');
    const lagMs = Date.now() - committedAtMs(again.headers, again.event.occurredAt);
    assert.ok(lagMs >= 0 && lagMs < 60_000, `measured from the re-announcement, not from two days ago (${lagMs} ms)`);
    // Without the header (a publisher that does not send it), the lag falls back to occurredAt.
    assert.equal(committedAtMs({}, again.event.occurredAt), Date.parse(again.event.occurredAt));
  });
});
