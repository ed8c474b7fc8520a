import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import type { Logger } from '@catalogue/shared';

/** Where `npm run build` puts the console (admin-service/web/dist), seen from dist/web/. */
export const DEFAULT_CONSOLE_ROOT = path.resolve(__dirname, '../../web/dist');

const HTML_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * The console under /admin: its files, and index.html for every other GET below /admin so a
 * reload on /admin/products/3/edit opens that page (the client router takes it from there).
 */
export function consoleHandlers(root: string, logger: Logger): RequestHandler[] {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ root }, 'admin console not built (npm run build); serving the API only');
    return [];
  }
  const files = express.static(root, {
    index: false,
    redirect: false,
    setHeaders(res) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    },
  });
  const assets: RequestHandler = (req, res, next) => (req.path.startsWith('/assets/') ? files(req, res, next) : next());
  const page: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset is a 404, not the page: a stale tab must not run HTML as a script.
    if (req.path.startsWith('/assets/')) return next();
    // `root` + a relative name: `send` refuses an absolute path with a dot segment anywhere in it,
    // so a checkout under ~/.local/src or a hidden CI workspace would answer 404 on every page.
    res.set(HTML_HEADERS).sendFile('index.html', { root });
  };
  return [assets, page];
}
