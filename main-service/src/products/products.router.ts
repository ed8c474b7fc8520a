import { Router, type RequestHandler } from 'express';
import { parseListQuery, parseProductId, rateLimiter, type ListQuery, type RateLimitCounters } from '@catalogue/shared';
import type { ProductsService } from './products.service';

/**
 * Searches per client address that the list cache does not answer: each costs the database a
 * statement (random words defeat the cache), while repeated and plain list pages cost nothing.
 * One limiter for both path prefixes, so the old paths are no way around it.
 */
export function searchRateLimit(products: ProductsService, counters: RateLimitCounters, limit: number): RequestHandler {
  return rateLimiter(counters, {
    name: 'searches',
    windowMs: 60_000,
    limit,
    skip: (req) => {
      let list: ListQuery;
      try {
        list = parseListQuery(req.query);
      } catch {
        return true; // the route answers 400 without touching the database
      }
      return !list.q || products.hasCachedPage(list, req.baseUrl);
    },
  });
}

export function productsRouter(products: ProductsService, searchLimit: RequestHandler): Router {
  const router = Router();
  router.get('/', searchLimit, async (req, res) => {
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
