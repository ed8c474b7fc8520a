import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseProductId, rateLimiter, type RateLimitCounters, type ServiceMetrics } from '@catalogue/shared';
import { identityOf, type AuthenticatedRequest } from '../http/auth.middleware';
import { errorCodeOf } from '../http/errors.middleware';
import type { LikesService } from './likes.service';
import type { UnlikesService } from './unlikes.service';

/** What a recorded like answers (the receipt's id is the product_liked event's id). */
export const likeAnswerSchema = z.object({
  message: z.literal('success'),
  like: z.object({ id: z.uuid(), productId: z.number().int().positive(), userId: z.string() }),
});

export interface LikeRateLimits {
  perAddress: RequestHandler;
  perUser: RequestHandler;
}

/**
 * main's rate limits, all built here: per client address (before identifying, so floods of bad
 * tokens are braked too) and per user. `counters` decides where they count (Redis or memory).
 * Likes and unlikes share them: toggling a like is one budget, not two.
 */
export function likeRateLimits(
  limits: { LIKES_PER_MINUTE_PER_ADDRESS: number; LIKES_PER_MINUTE_PER_USER: number },
  counters: RateLimitCounters,
): LikeRateLimits {
  return {
    perAddress: rateLimiter(counters, { name: 'likes-address', windowMs: 60_000, limit: limits.LIKES_PER_MINUTE_PER_ADDRESS }),
    perUser: rateLimiter(counters, {
      name: 'likes-user',
      windowMs: 60_000,
      limit: limits.LIKES_PER_MINUTE_PER_USER,
      key: (req) => `user:${(req as AuthenticatedRequest).identity?.subject}`,
    }),
  };
}

/**
 * Counts every like request once it is answered, whichever step refused it (rate limit, token,
 * id, the like itself); a refusal's reason is the error code the client got, a small fixed set.
 */
function countLikeOutcome(metrics: ServiceMetrics): RequestHandler {
  return (_req, res, next) => {
    res.once('finish', () => {
      if (res.statusCode < 300) metrics.likesAccepted.inc();
      else metrics.likesRejected.inc({ reason: errorCodeOf(res) ?? 'unknown' });
    });
    next();
  };
}

/** As countLikeOutcome, for unlikes; an accepted one says whether there was a like to remove. */
function countUnlikeOutcome(metrics: ServiceMetrics): RequestHandler {
  return (_req, res, next) => {
    res.once('finish', () => {
      if (res.statusCode < 300) metrics.unlikesAccepted.inc({ removed: String(res.locals.likeRemoved === true) });
      else metrics.unlikesRejected.inc({ reason: errorCodeOf(res) ?? 'unknown' });
    });
    next();
  };
}

export function likesRouter(likes: LikesService, authenticated: RequestHandler, limits: LikeRateLimits, metrics: ServiceMetrics): Router {
  const router = Router();
  router.post('/:id/like', countLikeOutcome(metrics), limits.perAddress, authenticated, limits.perUser, async (req, res) => {
    const productId = parseProductId(req.params.id);
    const like = await likes.like(productId, identityOf(req).subject);
    res.status(200).json({ message: 'success', like });
  });
  return router;
}

/** Taking a like back: new with this system, so app.ts mounts it under /api only (not the old prefix). */
export function unlikesRouter(
  unlikes: UnlikesService,
  authenticated: RequestHandler,
  limits: LikeRateLimits,
  metrics: ServiceMetrics,
): Router {
  const router = Router();
  // Idempotent, as DELETE should be: 204 whether or not there was a like to take back.
  router.delete('/:id/like', countUnlikeOutcome(metrics), limits.perAddress, authenticated, limits.perUser, async (req, res) => {
    const productId = parseProductId(req.params.id);
    const outcome = await unlikes.unlike(productId, identityOf(req).subject);
    res.locals.likeRemoved = outcome.removed;
    res.status(204).end();
  });
  return router;
}
