import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { ServiceMessaging } from '@catalogue/shared';
import { eventually, sampleValue } from '@catalogue/shared/testing';
import { aProduct, publishLike, startAdmin, type AdminUnderTest } from '../test-support';

/**
 * The inbox (`processed_events`) forgets after its retention; admin's record of the likes it has
 * applied (`applied_likes`) does not, so a like delivered again at any later time counts once.
 */
let admin: AdminUnderTest;
let messaging: ServiceMessaging;

before(async () => {
  admin = await startAdmin({ INBOX_RETENTION_DAYS: '14' });
  messaging = admin.app.get(ServiceMessaging);
});
after(async () => {
  await admin?.stop();
});

async function createProduct(): Promise<number> {
  return (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
}

async function likesOf(id: number): Promise<number> {
  const rows: { likes: number }[] = await admin.db.query('SELECT likes FROM products WHERE id = ?', [id]);
  return Number(rows[0]?.likes);
}

const count = async (sql: string, params: unknown[]) => Number(((await admin.db.query(sql, params)) as { n: number }[])[0]!.n);

/** As if these events had been applied fifteen days ago: past the 14-day retention. */
async function age(eventIds: string[]): Promise<void> {
  await admin.db.query('UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL 15 DAY WHERE event_id IN (?)', [
    eventIds,
  ]);
}

/** Waits until these events are in the inbox again: applied (or found applied before) and committed. */
async function processedAgain(eventIds: string[]): Promise<void> {
  await eventually(
    async () => (await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [eventIds])) === eventIds.length,
    {
      what: 'the deliveries processed',
    },
  );
}

describe('likes after the inbox has forgotten them', () => {
  test('a like delivered again after its inbox row was pruned still counts once', async () => {
    const id = await createProduct();
    const like = await publishLike(admin, { productId: id, userId: 'pruned-1' });
    await eventually(async () => (await likesOf(id)) === 1, { what: 'the like counted' });
    assert.equal(await count('SELECT COUNT(*) AS n FROM applied_likes WHERE like_id = ?', [like.id]), 1);

    await age([like.id]);
    assert.ok((await messaging.inboxPruner!.prune()) >= 1);
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?', [like.id]), 0, 'the inbox forgot it');

    // Delivered again (reconcile re-announces a product's likes under their original ids).
    await publishLike(admin, { productId: id, userId: 'pruned-1' }, like.id);
    await processedAgain([like.id]);
    assert.equal(await likesOf(id), 1);
  });

  test('likes delivered together, one of them applied long ago, count only the new ones (whether the consumer takes them as a batch or one by one)', async () => {
    const id = await createProduct();
    const old = await publishLike(admin, { productId: id, userId: 'batch-old' });
    await eventually(async () => (await likesOf(id)) === 1, { what: 'the first like counted' });
    await age([old.id]);
    await messaging.inboxPruner!.prune();
    // Published back to back, so the consumer takes them together when it can; each counts by its own id.
    const likes = await Promise.all([
      publishLike(admin, { productId: id, userId: 'batch-old' }, old.id),
      publishLike(admin, { productId: id, userId: 'batch-new-1' }),
      publishLike(admin, { productId: id, userId: 'batch-new-2' }),
    ]);
    await processedAgain(likes.map((l) => l.id));
    assert.equal(await likesOf(id), 3);
  });

  test('a like applied before applied_likes existed is carried over when the inbox forgets it, then never counted again', async () => {
    const id = await createProduct();
    const like = await publishLike(admin, { productId: id, userId: 'legacy-1' });
    await eventually(async () => (await likesOf(id)) === 1, { what: 'the like counted' });
    // As an older admin (or one before the migration) left it: in the inbox only.
    await admin.db.query('DELETE FROM applied_likes WHERE like_id = ?', [like.id]);
    await age([like.id]);

    await messaging.inboxPruner!.prune();
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?', [like.id]), 0);
    assert.equal(await count('SELECT COUNT(*) AS n FROM applied_likes WHERE like_id = ?', [like.id]), 1, 'kept before the inbox forgot it');

    await publishLike(admin, { productId: id, userId: 'legacy-1' }, like.id);
    await processedAgain([like.id]);
    assert.equal(await likesOf(id), 1);
  });

  test('the pruner keeps rows younger than the retention and counts what it deletes in /metrics', async () => {
    const id = await createProduct();
    const young = await publishLike(admin, { productId: id, userId: 'young-1' });
    const old = await publishLike(admin, { productId: id, userId: 'old-1' });
    await eventually(async () => (await likesOf(id)) === 2, { what: 'both likes counted' });
    await admin.db.query('UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL 13 DAY WHERE event_id = ?', [
      young.id,
    ]);
    await age([old.id]);
    const metric = async () =>
      sampleValue((await request(admin.http).get('/metrics').expect(200)).text, 'catalogue_inbox_pruned_total', { service: 'admin' }) ?? 0;
    const before = await metric();

    const pruned = await messaging.inboxPruner!.prune();
    assert.ok(pruned >= 1);
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?', [young.id]), 1, '13 days old: kept');
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?', [old.id]), 0, '15 days old: pruned');
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM processed_events WHERE processed_at < CURRENT_TIMESTAMP(3) - INTERVAL 14 DAY', []),
      0,
    );
    assert.equal((await metric()) - before, pruned);
  });
});
