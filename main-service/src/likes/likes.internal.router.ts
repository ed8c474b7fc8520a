import { Router } from 'express';
import { parseProductId } from '@catalogue/shared';
import type { LikesService } from './likes.service';

/**
 * Repair endpoint for operators (reconciliation), not for the public.
 * STAFF-ONLY: must sit behind staff authentication (the security work puts auth on /internal/*).
 */
export function likesInternalRouter(likes: LikesService): Router {
  const router = Router();
  // 202: the events are committed to the outbox; admin's inbox drops the likes it already counted.
  router.post('/:id/likes/announce', async (req, res) => {
    const productId = parseProductId(req.params.id);
    res.status(202).json({ productId, announced: await likes.reannounce(productId) });
  });
  return router;
}
