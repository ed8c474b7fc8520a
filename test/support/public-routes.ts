/**
 * The routes that answer without a token. Anything else any app registers must answer 401 to an
 * anonymous caller: a new route is closed unless it is added here on purpose.
 */
export const PUBLIC: Record<'main' | 'admin', string[]> = {
  // main's sign-in passes through to admin's (for the storefront on main's origin).
  main: [
    'GET /api/products',
    'GET /api/products/stream',
    'GET /api/products/:id',
    'GET /flask/api/products',
    'GET /flask/api/products/:id',
    'GET /livez',
    'GET /readyz',
    'GET /api/health',
    'GET /flask/api/health',
    'GET /ready',
    'GET /metrics',
    'POST /api/auth/login',
    // The OpenAPI document (routes and shapes, never data); /api/docs, the page showing it, is files.
    'GET /api/openapi.json',
  ],
  admin: [
    'POST /api/auth/login',
    'GET /.well-known/jwks.json',
    'GET /livez',
    'GET /readyz',
    'GET /api/health',
    'GET /ready',
    'GET /metrics',
    'GET /api/openapi.json',
  ],
};
