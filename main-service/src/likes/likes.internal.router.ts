import { Router } from 'express';
import { parseProductId } from '@catalogue/shared';
import type { LikesService } from './likes.service';
import type { UnlikesService } from './unlikes.service';

/**
 * Repair endpoint for operators (reconciliation), not for the public.
 * STAFF-ONLY: must sit behind staff authentication (the security work puts auth on /internal/*).
 */
export function likesInternalRouter(likes: LikesService, unlikes: UnlikesService): Router {
  const router = Router();
  // 202: the events are committed to the outbox; admin's like ledger drops the likes it already
  // counted and the removals it already applied (a removal before its like leaves a tombstone).
  router.post('/:id/likes/announce', async (req, res) => {
    const productId = parseProductId(req.params.id);
    const announced = await likes.reannounce(productId);
    const removalsAnnounced = await unlikes.reannounce(productId);
    res.status(202).json({ productId, announced, removalsAnnounced });
  });
  return router;
}
