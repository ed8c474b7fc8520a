import { Router } from 'express';
import { parseListQuery, parseProductId } from '@catalogue/shared';
import type { ProductsService } from './products.service';

export function productsRouter(products: ProductsService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const list = parseListQuery(req.query);
    const { json, etag, link, position } = await products.listJson(list, req.baseUrl);
    if (link) res.set('Link', link);
    // The live stream's id this page is current to: a page that opens the stream compares it with the stream's first id.
    res.set('Changes-Position', String(position));
    res.set('ETag', etag);
    res.type('json').send(json);
  });
  router.get('/:id', async (req, res) => {
    res.json(await products.get(parseProductId(req.params.id)));
  });
  return router;
}
