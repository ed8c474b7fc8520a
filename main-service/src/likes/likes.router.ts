import { Router } from 'express';
import { parseProductId, toErrorResponse, type ServiceMetrics } from '@catalogue/shared';
import type { UsersService } from '../users/users.service';
import type { LikesService } from './likes.service';

export function likesRouter(likes: LikesService, users: UsersService, metrics: ServiceMetrics): Router {
  const router = Router();
  router.post('/:id/like', async (req, res) => {
    let like;
    try {
      const productId = parseProductId(req.params.id);
      const userId = await users.identify(req.get('authorization'));
      like = await likes.like(productId, userId);
    } catch (err) {
      // The reason is the error code the client gets: a small, fixed set.
      metrics.likesRejected.inc({ reason: toErrorResponse(err).body.code });
      throw err;
    }
    metrics.likesAccepted.inc();
    res.status(200).json({ message: 'success', like });
  });
  return router;
}
