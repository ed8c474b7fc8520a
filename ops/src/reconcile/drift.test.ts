import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AdminSnapshotRow, MainSnapshotRow } from '@catalogue/shared';
import { findDrift } from './drift';

const live = (id: number, version = 1, likes = 0, title = `P${id}`): AdminSnapshotRow => ({
  id,
  deleted: false,
  title,
  image: `https://i.example/${id}.png`,
  version,
  likes,
});
const inMain = (id: number, over: Partial<MainSnapshotRow> = {}): MainSnapshotRow => ({
  id,
  deleted: false,
  title: `P${id}`,
  image: `https://i.example/${id}.png`,
  version: 1,
  likes: 0,
  likeRows: 0,
  removedLikes: 0,
  ...over,
});

describe('findDrift', () => {
  test('identical snapshots have no drift; deleted in both, or deleted in admin and never seen by main, is not drift', () => {
    assert.deepEqual(
      findDrift(
        [live(1), { id: 2, deleted: true, version: 2, likes: 0 }, { id: 3, deleted: true, version: 2, likes: 0 }],
        [inMain(1), inMain(2, { deleted: true, version: 2 })],
      ),
      [],
    );
  });

  test("products missing or behind in main are repaired by admin re-announcing them above main's version", () => {
    const drift = findDrift(
      [live(1), live(2, 3, 0, 'new'), { id: 3, deleted: true, version: 2, likes: 0 }],
      [inMain(2, { title: 'old', version: 2 }), inMain(3, { version: 1 })],
    );
    assert.deepEqual(
      drift.map((d) => [d.productId, d.kind, d.repair]),
      [
        [1, 'missing_in_main', { action: 'announce_product', productId: 1, atLeastVersion: 0 }],
        [2, 'stale_in_main', { action: 'announce_product', productId: 2, atLeastVersion: 3 }],
        [3, 'deleted_in_admin_live_in_main', { action: 'announce_product', productId: 3, atLeastVersion: 2 }],
      ],
    );
    assert.match(drift[1]!.detail, /title "old" in main, "new" in admin; version 2 in main, 3 in admin/);
  });

  test('a main version ahead of admin (admin restored from a backup) is drift that a bump above main repairs', () => {
    const [drift] = findDrift([live(1, 2)], [inMain(1, { version: 5 })]);
    assert.deepEqual(drift?.repair, { action: 'announce_product', productId: 1, atLeastVersion: 6 });
  });

  test('extra likes in admin are repaired by main re-announcing the likes taken back, when it has any (an unlike admin missed)', () => {
    const drift = findDrift(
      [live(1, 1, 3), live(2, 1, 1)],
      [inMain(1, { likes: 2, likeRows: 2, removedLikes: 1 }), inMain(2, { likes: 2, likeRows: 2, removedLikes: 4 })],
    );
    assert.deepEqual(
      drift.map((d) => [d.productId, d.kind, d.repair?.action]),
      [
        [1, 'likes_extra_in_admin', 'announce_likes'],
        // Missing ones are repaired the same way: the re-announce carries both likes and removals.
        [2, 'likes_missing_in_admin', 'announce_likes'],
      ],
    );
    assert.match(drift[0]!.detail, /admin counts 3, main has only 2 likes \(and 1 taken back\)/);
  });

  test('likes admin has not counted are repaired by main re-announcing them; extra likes in admin with no removal in main are only reported', () => {
    const drift = findDrift([live(1, 1, 1), live(2, 1, 5)], [inMain(1, { likes: 3, likeRows: 3 }), inMain(2, { likes: 2, likeRows: 2 })]);
    assert.deepEqual(
      drift.map((d) => [d.productId, d.kind, d.repair?.action]),
      [
        [1, 'likes_missing_in_admin', 'announce_likes'],
        [2, 'likes_extra_in_admin', undefined],
      ],
    );
  });

  test('what events cannot fix is reported without a repair: tombstones in main, products admin never had, main counting its own likes wrong', () => {
    const drift = findDrift(
      [live(1)],
      [
        inMain(1, { deleted: true, version: 2 }),
        inMain(9),
        inMain(10, { deleted: true }),
        inMain(11, { likes: 2, likeRows: 1, deleted: true }),
      ],
    );
    assert.deepEqual(
      drift.map((d) => [d.productId, d.kind, d.repair]),
      [
        [1, 'live_in_admin_deleted_in_main', undefined],
        [9, 'unknown_to_admin', undefined],
        [11, 'main_like_count_mismatch', undefined],
      ],
    );
  });
});
