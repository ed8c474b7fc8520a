import { Router } from 'express';
import { parseSnapshotQuery } from '@catalogue/shared';
import type { ProductsService } from './products.service';

/**
 * Repair endpoints for operators (reconciliation), not for the public.
 * STAFF-ONLY: must sit behind staff authentication (the security work puts auth on /internal/*).
 */
export function productsInternalRouter(products: ProductsService): Router {
  const router = Router();
  router.get('/snapshot', async (req, res) => {
    res.json(await products.audit(parseSnapshotQuery(req.query)));
  });
  return router;
}
