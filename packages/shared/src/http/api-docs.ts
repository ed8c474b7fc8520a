import { dirname } from 'node:path';
import express, { type Router } from 'express';
import { API_DOCS_PATH, OPENAPI_PATH, type OpenApiDocument } from './openapi';

/** swagger-ui-dist's prebuilt files (no CDN): the bundle and its stylesheet are served as they ship. */
const viewerRoot = () => dirname(require.resolve('swagger-ui-dist/package.json'));
const VIEWER_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);

/**
 * The page's own policy: everything from this origin, no inline script. Swagger UI sets element
 * styles from script, which 'unsafe-inline' for styles allows (helmet's default does the same).
 */
const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const page = (title: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="stylesheet" href="${API_DOCS_PATH}/swagger-ui.css" />
  </head>
  <body>
    <div id="api"></div>
    <script src="${API_DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${API_DOCS_PATH}/viewer.js"></script>
  </body>
</html>
`;

// A file of its own rather than an inline script, so the page's policy needs no 'unsafe-inline'
// for scripts. validatorUrl null: nothing is sent to an outside validator.
const VIEWER_SCRIPT = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: '#api', deepLinking: true, validatorUrl: null });\n`;

/**
 * `GET /api/openapi.json`: this service's OpenAPI document, generated from the zod schemas its
 * routes validate with; and `/api/docs`: a page that shows it (Swagger UI from node_modules, no
 * CDN). Both public: the document names routes and shapes, never data or secrets.
 */
export function apiDocsRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  const body = JSON.stringify(document);
  const root = viewerRoot();
  const html = page(document.info.title);
  router.get(OPENAPI_PATH, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('json').send(body);
  });
  // The viewer's files are middleware rather than routes: they are files, not API operations.
  router.use(API_DOCS_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.replace(/^\//, '');
    res.set('X-Content-Type-Options', 'nosniff');
    if (name === '') return void res.set({ 'Content-Security-Policy': PAGE_POLICY, 'Cache-Control': 'no-cache' }).type('html').send(html);
    if (name === 'viewer.js') return void res.set('Cache-Control', 'no-cache').type('js').send(VIEWER_SCRIPT);
    if (!VIEWER_FILES.has(name)) return next();
    // `root` plus a bare file name: send never sees an absolute path (a checkout under a dot-folder still works).
    res.sendFile(name, { root, maxAge: '1d' });
  });
  return router;
}
