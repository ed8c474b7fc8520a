import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '@catalogue/shared';
import { identityOf } from '../http/auth.middleware';
import type { LikesService } from './likes.service';

/** A page of product ids: as many as the largest product page. */
const MAX_IDS = 500;
export const productIdsQuerySchema = z
  .string({ error: 'is required: comma-separated product ids' })
  .regex(/^\d{1,10}(,\d{1,10})*$/, 'must be comma-separated product ids')
  .transform((s) => [...new Set(s.split(',').map(Number))])
  .refine((ids) => ids.length <= MAX_IDS, `must name at most ${MAX_IDS} products`)
  .refine((ids) => ids.every((id) => id >= 1 && id <= 2_147_483_647), 'must be product ids')
  .meta({ description: `Comma-separated product ids, at most ${MAX_IDS}.` });

/**
 * What the signed-in caller has done (mounted behind authenticate): `GET /api/me/likes?products=1,2,3`
 * names those they liked.
 */
export function meRouter(likes: LikesService): Router {
  const router = Router();
  router.get('/likes', async (req, res) => {
    const userId = identityOf(req).subject;
    const parsed = productIdsQuerySchema.safeParse(req.query.products);
    if (!parsed.success)
      throw AppError.validation(
        [{ field: 'products', reason: parsed.error.issues[0]?.message ?? 'is not valid' }],
        'the query is not valid',
      );
    res.set('Cache-Control', 'private, no-store');
    res.json({ liked: await likes.likedAmong(userId, parsed.data) });
  });
  return router;
}
