import { Router } from 'express';
import { parseListQuery, parseProductId } from '@catalogue/shared';
import type { ProductsService } from './products.service';

export function productsRouter(products: ProductsService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const list = parseListQuery(req.query);
    const { items, link } = await products.list(list, req.baseUrl);
    if (link) res.set('Link', link);
    res.json(items);
  });
  router.get('/:id', async (req, res) => {
    res.json(await products.get(parseProductId(req.params.id)));
  });
  return router;
}
