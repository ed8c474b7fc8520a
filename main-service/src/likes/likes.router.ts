import { Router, type RequestHandler } from 'express';
import { parseProductId, rateLimiter } from '@catalogue/shared';
import { identityOf, type AuthenticatedRequest } from '../http/auth.middleware';
import type { LikesService } from './likes.service';

export interface LikeRateLimits {
  perAddress: RequestHandler;
  perUser: RequestHandler;
}

/** Per client address (before identifying, so floods of bad tokens are braked too) and per user. */
export function likeRateLimits(limits: { LIKES_PER_MINUTE_PER_ADDRESS: number; LIKES_PER_MINUTE_PER_USER: number }): LikeRateLimits {
  return {
    perAddress: rateLimiter({ name: 'likes-address', windowMs: 60_000, limit: limits.LIKES_PER_MINUTE_PER_ADDRESS }),
    perUser: rateLimiter({ name: 'likes-user', windowMs: 60_000, limit: limits.LIKES_PER_MINUTE_PER_USER, key: (req) => `user:${(req as AuthenticatedRequest).identity?.subject}` }),
  };
}

export function likesRouter(likes: LikesService, authenticated: RequestHandler, limits: LikeRateLimits): Router {
  const router = Router();
  router.post('/:id/like', limits.perAddress, authenticated, limits.perUser, async (req, res) => {
    const productId = parseProductId(req.params.id);
    const like = await likes.like(productId, identityOf(req).subject);
    res.status(200).json({ message: 'success', like });
  });
  return router;
}
