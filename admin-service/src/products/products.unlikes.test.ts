import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ServiceMessaging } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { aProduct, publishLike, publishUnlike, startAdmin, type AdminUnderTest } from '../test-support';

/**
 * product_unliked takes a like back by the like's id in admin's ledger (decision 0024): counted
 * down once whatever the duplicates, and an unlike that comes before its like leaves a tombstone,
 * so the like never counts.
 */
let admin: AdminUnderTest;

before(async () => {
  admin = await startAdmin({ INBOX_RETENTION_DAYS: '14' });
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

/** Waits until these events are in the inbox: applied (or recognised) and committed. */
async function processed(eventIds: string[]): Promise<void> {
  await eventually(
    async () => (await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [eventIds])) === eventIds.length,
    {
      what: `${eventIds.length} deliveries processed`,
    },
  );
}

describe('product_unliked in admin', () => {
  test('takes a counted like back once, however often the unlike is delivered', async () => {
    const id = await createProduct();
    const likes = [await publishLike(admin, { productId: id, userId: 'u1' }), await publishLike(admin, { productId: id, userId: 'u2' })];
    await eventually(async () => (await likesOf(id)) === 2, { what: 'both likes counted' });

    const unlike = await publishUnlike(admin, { likeId: likes[0]!.id, productId: id, userId: 'u1' });
    await publishUnlike(admin, unlike.data, unlike.id);
    // The same removal under another event id (as a second main replica would never send, but a bug could).
    const again = await publishUnlike(admin, unlike.data);
    await processed([unlike.id, again.id]);
    assert.equal(await likesOf(id), 1);
    assert.equal(await count('SELECT COUNT(*) AS n FROM applied_likes WHERE like_id = ? AND unliked_at IS NOT NULL', [likes[0]!.id]), 1);
  });

  test('an unlike that arrives before its like leaves a tombstone: the like, when it comes, is not counted', async () => {
    const id = await createProduct();
    const likeId = randomUUID();
    const unlike = await publishUnlike(admin, { likeId, productId: id, userId: 'early' });
    await processed([unlike.id]);
    assert.equal(await likesOf(id), 0, 'nothing to take back yet, and never below zero');
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM applied_likes WHERE like_id = ? AND unliked_at IS NOT NULL', [likeId]),
      1,
      'the tombstone',
    );

    const like = await publishLike(admin, { productId: id, userId: 'early' }, likeId);
    const other = await publishLike(admin, { productId: id, userId: 'someone-else' });
    await processed([like.id, other.id]);
    assert.equal(await likesOf(id), 1, 'only the other like counts');
  });

  test('after the inbox forgot both, a like and its unlike delivered again change nothing', async () => {
    const id = await createProduct();
    const like = await publishLike(admin, { productId: id, userId: 'replayed' });
    await eventually(async () => (await likesOf(id)) === 1, { what: 'the like counted' });
    const unlike = await publishUnlike(admin, { likeId: like.id, productId: id, userId: 'replayed' });
    await eventually(async () => (await likesOf(id)) === 0, { what: 'the like taken back' });
    await admin.db.query('UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL 15 DAY WHERE event_id IN (?)', [
      [like.id, unlike.id],
    ]);
    await admin.app.get(ServiceMessaging).inboxPruner!.prune();
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [[like.id, unlike.id]]),
      0,
      'the inbox forgot them',
    );

    // Reconcile re-announces both under their original ids, in either order.
    await publishUnlike(admin, unlike.data, unlike.id);
    await publishLike(admin, like.data, like.id);
    await processed([like.id, unlike.id]);
    assert.equal(await likesOf(id), 0);
  });

  test('likes and unlikes of one product delivered together in any order end at the count of likes not taken back', async () => {
    const id = await createProduct();
    const users = Array.from({ length: 8 }, (_, i) => `mixed-${i}`);
    const likes = users.map((userId) => ({ id: randomUUID(), userId }));
    const takenBack = likes.filter((_, i) => i % 2 === 0);
    // Unlikes first for half of them, then everything at once: the consumer batches what arrives together.
    const early = await Promise.all(
      takenBack.slice(0, 2).map((l) => publishUnlike(admin, { likeId: l.id, productId: id, userId: l.userId })),
    );
    const rest = await Promise.all([
      ...likes.map((l) => publishLike(admin, { productId: id, userId: l.userId }, l.id)),
      ...takenBack.slice(2).map((l) => publishUnlike(admin, { likeId: l.id, productId: id, userId: l.userId })),
    ]);
    await processed([...early, ...rest].map((e) => e.id));
    assert.equal(await likesOf(id), likes.length - takenBack.length);
  });

  test('the unlike of a like kept aside for an unknown product forgets it there and counts nothing down', async () => {
    const known = await createProduct();
    await publishLike(admin, { productId: known, userId: 'bystander' });
    await eventually(async () => (await likesOf(known)) === 1, { what: 'the bystander like' });
    const unknownId = 1_900_000_000 + Math.floor(Math.random() * 1000);
    const stray = await publishLike(admin, { productId: unknownId, userId: 'stray' });
    await eventually(async () => (await count('SELECT COUNT(*) AS n FROM unmatched_likes WHERE event_id = ?', [stray.id])) === 1, {
      what: 'the stray like kept aside',
    });
    const unlike = await publishUnlike(admin, { likeId: stray.id, productId: unknownId, userId: 'stray' });
    await processed([unlike.id]);
    assert.equal(await count('SELECT COUNT(*) AS n FROM unmatched_likes WHERE event_id = ?', [stray.id]), 0);
    assert.equal(await likesOf(known), 1);
  });
});
