import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import type { Logger } from '@catalogue/shared';

/** Where `npm run build` puts the storefront (main-service/web/dist), seen from dist/web/. */
export const DEFAULT_STOREFRONT_ROOT = path.resolve(__dirname, '../../web/dist');

const PAGE_POLICY =
  "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/**
 * The storefront's static files at `/`. Hashed assets are cached for a year; index.html is always
 * revalidated so a deploy is seen at once; the demo catalogue's pictures (`/demo/*.svg`) a day. The policy allows images from anywhere over http(s)
 * (product pictures live elsewhere) and scripts, styles and API calls only from this origin.
 */
export function storefrontRouter(root: string, logger: Logger): Router {
  const router = express.Router();
  if (!existsSync(path.join(root, 'index.html'))) {
    logger.warn({ root }, 'storefront not built (npm run build); serving the API only');
    return router;
  }
  const files = express.static(root, {
    index: 'index.html',
    redirect: false,
    setHeaders(res, file) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (file.endsWith('.html')) {
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Content-Security-Policy', PAGE_POLICY);
        res.setHeader('Referrer-Policy', 'same-origin');
      } else if (file.includes(`${path.sep}assets${path.sep}`)) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      } else if (file.includes(`${path.sep}demo${path.sep}`)) {
        // The demo catalogue's pictures (development data): not hashed, so cached for a day only;
        // shown by the console too, on admin's origin (helmet's default policy is same-origin).
        res.setHeader('Cache-Control', 'public, max-age=86400');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      }
      // An SVG opened on its own is a document: it may draw, never run script or load anything.
      if (file.endsWith('.svg')) res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    },
  });
  // API paths never name a file: they skip the file system.
  router.use((req, res, next) => (req.path.startsWith('/api/') || req.path.startsWith('/flask/') ? next() : files(req, res, next)));
  return router;
}
