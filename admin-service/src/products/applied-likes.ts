import { affectedRows, EventTypes, type ForgottenEvent, type Statement } from '@catalogue/shared';
import type { EntityManager } from 'typeorm';

// `applied_likes` holds the id of every like admin has applied (counted, or kept aside as
// unmatched). Unlike the inbox it is never pruned, so a like delivered again long after (reconcile
// re-announces a product's likes under their original ids) is recognised and not counted twice.
// Decision record 0011. It also records unlikes by the like's id (0024): `unliked_at` on a row
// means the like was taken back; a row that starts with it set is a tombstone for a like that has
// not arrived yet, which then finds its id taken and counts for nothing.

/** Records likes as applied; returns how many of them were not applied before. */
export async function markLikesApplied(tx: EntityManager, likeIds: string[]): Promise<number> {
  if (likeIds.length === 0) return 0;
  const { sql, params } = markLikesAppliedStatement(likeIds);
  return affectedRows(await tx.query(sql, params as unknown[]));
}

/** markLikesApplied's statement, for a caller that sends it with others in one round trip; at least one id. */
export function markLikesAppliedStatement(likeIds: readonly string[]): Statement {
  return { sql: 'INSERT IGNORE INTO applied_likes (like_id) VALUES ?', params: [likeIds.map((id) => [id])] };
}

/**
 * Marks an applied like as taken back; true when this call did (so the count goes down once), false
 * when the like was taken back before or has not been applied.
 */
export async function markLikeTakenBack(tx: EntityManager, likeId: string): Promise<boolean> {
  const result: unknown = await tx.query(
    'UPDATE applied_likes SET unliked_at = CURRENT_TIMESTAMP(3) WHERE like_id = ? AND unliked_at IS NULL',
    [likeId],
  );
  return affectedRows(result) > 0;
}

/**
 * Records that a like was taken back before it arrived: its id is then taken, so the like, when it
 * comes, is not counted. Does nothing for a like already recorded either way.
 */
export async function leaveUnlikeTombstone(tx: EntityManager, likeId: string): Promise<void> {
  await tx.query('INSERT IGNORE INTO applied_likes (like_id, unliked_at) VALUES (?, CURRENT_TIMESTAMP(3))', [likeId]);
}

/**
 * The inbox pruner's last step before it forgets rows: likes applied before `applied_likes` existed
 * (or by an older version of admin during a rollout) are known to the inbox only, so they are
 * carried over here first. For the others this changes nothing.
 */
export async function keepLikesTheInboxForgets(tx: EntityManager, events: ForgottenEvent[]): Promise<void> {
  const likes = events.filter((event) => event.eventType === EventTypes.ProductLiked);
  if (likes.length === 0) return;
  await tx.query('INSERT IGNORE INTO applied_likes (like_id, applied_at) VALUES ?', [
    likes.map((like) => [like.eventId, like.processedAt]),
  ]);
}
