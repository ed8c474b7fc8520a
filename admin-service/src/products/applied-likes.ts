import { affectedRows, EventTypes, type ForgottenEvent } from '@catalogue/shared';
import type { EntityManager } from 'typeorm';

// `applied_likes` holds the id of every like admin has applied (counted, or kept aside as
// unmatched). Unlike the inbox it is never pruned, so a like delivered again long after (reconcile
// re-announces a product's likes under their original ids) is recognised and not counted twice.
// Decision record 0011.

/** Records likes as applied; returns how many of them were not applied before. */
export async function markLikesApplied(tx: EntityManager, likeIds: string[]): Promise<number> {
  if (likeIds.length === 0) return 0;
  const result = await tx.query('INSERT IGNORE INTO applied_likes (like_id) VALUES ?', [likeIds.map((id) => [id])]);
  return affectedRows(result);
}

/**
 * The inbox pruner's last step before it forgets rows: likes applied before `applied_likes` existed
 * (or by an older version of admin during a rollout) are known to the inbox only, so they are
 * carried over here first. For the others this changes nothing.
 */
export async function keepLikesTheInboxForgets(tx: EntityManager, events: ForgottenEvent[]): Promise<void> {
  const likes = events.filter((event) => event.eventType === EventTypes.ProductLiked);
  if (likes.length === 0) return;
  await tx.query('INSERT IGNORE INTO applied_likes (like_id, applied_at) VALUES ?', [likes.map((like) => [like.eventId, like.processedAt])]);
}
