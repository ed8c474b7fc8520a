import { Router } from 'express';
import { parseProductId } from '@catalogue/shared';
import type { UsersService } from '../users/users.service';
import type { LikesService } from './likes.service';

export function likesRouter(likes: LikesService, users: UsersService): Router {
  const router = Router();
  router.post('/:id/like', async (req, res) => {
    const productId = parseProductId(req.params.id);
    const userId = await users.identify(req.get('authorization'));
    const like = await likes.like(productId, userId);
    res.status(200).json({ message: 'success', like });
  });
  return router;
}
