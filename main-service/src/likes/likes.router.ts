import { Router, type Request, type RequestHandler } from 'express';
import { parseProductId, rateLimiter } from '@catalogue/shared';
import type { UsersService } from '../users/users.service';
import type { LikesService } from './likes.service';

export interface LikeRateLimits {
  perAddress: RequestHandler;
  perUser: RequestHandler;
}

type Identified = Request & { userId?: string };

/** Per client address (before identifying, so floods of bad tokens are braked too) and per user. */
export function likeRateLimits(limits: { LIKES_PER_MINUTE_PER_ADDRESS: number; LIKES_PER_MINUTE_PER_USER: number }): LikeRateLimits {
  return {
    perAddress: rateLimiter({ name: 'likes-address', windowMs: 60_000, limit: limits.LIKES_PER_MINUTE_PER_ADDRESS }),
    perUser: rateLimiter({ name: 'likes-user', windowMs: 60_000, limit: limits.LIKES_PER_MINUTE_PER_USER, key: (req) => `user:${(req as Identified).userId}` }),
  };
}

export function likesRouter(likes: LikesService, users: UsersService, limits: LikeRateLimits): Router {
  const router = Router();
  const identify: RequestHandler = async (req: Identified, _res, next) => {
    req.userId = await users.identify(req.get('authorization'));
    next();
  };
  router.post('/:id/like', limits.perAddress, identify, limits.perUser, async (req: Identified, res) => {
    const productId = parseProductId(req.params.id);
    const like = await likes.like(productId, req.userId!);
    res.status(200).json({ message: 'success', like });
  });
  return router;
}
