import { z } from 'zod';
import {
  buildOpenApiDocument,
  errorResponses,
  healthReportSchema,
  json,
  listQuerySchema,
  mainSnapshotPageSchema,
  mirrorPaths,
  OPENAPI_PATH,
  operationsPaths,
  productIdPathSchema,
  productListSchema,
  productSchema,
  signedInSchema,
  signInBodySchema,
  snapshotQuerySchema,
  type ApiPaths,
  type OpenApiDocument,
} from '@catalogue/shared';
import { likeAnswerSchema } from '../likes/likes.router';
import { productIdsQuerySchema } from '../likes/me.router';

/** The old system's prefix: only these paths are mirrored under it (app.ts mounts exactly these). */
export const LEGACY_PREFIX = '/flask/api';

const PUBLIC = { security: [] };

const products: ApiPaths = {
  '/api/products': {
    get: {
      tags: ['products'],
      summary: 'List and search live products, keyset-paginated.',
      description:
        'Without q or sort the order is by id, oldest first, and the next link uses after=<id>; every other order pages with the opaque cursor from the Link header. Deleted products are never listed. A page may be up to PRODUCT_LIST_CACHE_MS old for likes counted by other replicas.',
      ...PUBLIC,
      requestParams: { query: listQuerySchema },
      responses: {
        200: {
          ...json(productListSchema, 'A page of products.'),
          headers: z.object({
            Link: z
              .string()
              .optional()
              .meta({ description: 'When there is a next page: <...&limit=N&cursor=C>; rel="next" (after=ID in the id order).' }),
            ETag: z.string().meta({ description: 'Weak entity tag of the page; send it back in If-None-Match.' }),
            'Changes-Position': z
              .string()
              .meta({ description: "The live stream's message id this page is current to (compare with the stream's first id)." }),
          }),
        },
        304: { description: 'Not modified: If-None-Match still matches the page.' },
        ...errorResponses(
          [
            400,
            'The query is not valid (code validation_failed), or the search has too many short or common words (code search_too_costly).',
          ],
          [429, 'Over the per-address limit of uncached searches (code rate_limited).'],
          [503, 'The database stopped a search that ran too long (code search_timed_out), or is unavailable.'],
        ),
      },
    },
  },
  '/api/products/{id}': {
    get: {
      tags: ['products'],
      summary: 'One live product.',
      ...PUBLIC,
      requestParams: { path: productIdPathSchema },
      responses: { 200: json(productSchema, 'The product.'), ...errorResponses(400, 404) },
    },
  },
  '/api/products/{id}/like': {
    post: {
      tags: ['likes'],
      summary: "Like a product as the token's subject.",
      description:
        'The user is the `sub` of a verified bearer token, never a value from the body, query or another header (only with DEV_RANDOM_USER, in development, does a request without a token get a random user from admin). Limited per user (LIKES_PER_MINUTE_PER_USER) and per client address (LIKES_PER_MINUTE_PER_ADDRESS).',
      requestParams: { path: productIdPathSchema },
      responses: {
        200: json(likeAnswerSchema, 'The like is recorded (admin counts it shortly).'),
        ...errorResponses(
          [400, 'Already liked by this user (code already_liked), or an invalid id.'],
          [401, 'No valid token, or one revoked since (code token_revoked).'],
          [403, 'A service credential (snapshot reader) may not like.'],
          404,
          413,
          429,
          [
            503,
            "The token signing keys (admin's JWKS) are unreachable, or with DEV_RANDOM_USER admin is unreachable or has no users (code no_users).",
          ],
        ),
      },
    },
  },
  '/api/health': {
    get: {
      tags: ['operations'],
      summary: 'The detailed health report; 200 or 503 as /readyz answers.',
      ...PUBLIC,
      responses: { 200: json(healthReportSchema, 'Ready.'), 503: json(healthReportSchema, 'Not ready.') },
    },
  },
};

/** The live stream: new with it, so under /api only. */
const stream: ApiPaths = {
  '/api/products/stream': {
    get: {
      tags: ['products'],
      summary: 'Server-Sent Events: every product change and like count as it is committed.',
      description:
        "Events: `ready`, then `product_created` / `product_updated` `{id, title, image, likes}`, `product_deleted` `{id}`, `product_likes` `{id, likes}` (coalesced per product over LIVE_COALESCE_MS), each with an `id`; heartbeats as comments. A reconnect with Last-Event-ID (or `?after=`) resumes; `reload` when that is past the feed's window. Limits: LIVE_STREAMS_MAX per process (503), LIVE_STREAMS_PER_ADDRESS and LIVE_STREAM_OPENS_PER_MINUTE_PER_ADDRESS (429), with Retry-After.",
      ...PUBLIC,
      requestParams: {
        query: z.object({
          after: z
            .string()
            .regex(/^\d{1,15}$/)
            .optional()
            .meta({ description: 'The id of the last message seen, when Last-Event-ID cannot be sent.' }),
        }),
        header: z.object({
          'Last-Event-ID': z
            .string()
            .regex(/^\d{1,15}$/)
            .optional()
            .meta({ description: 'The id of the last message seen (a browser sends it when it reconnects).' }),
        }),
      },
      responses: {
        200: {
          description: 'The stream (text/event-stream), open until the client or the server ends it.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...errorResponses(
          400,
          [429, 'Too many streams from this address, or too many opens a minute (code too_many_streams, rate_limited).'],
          [
            503,
            'The process serves as many streams as it may (streams_at_capacity), is shutting down (shutting_down), or its change feed is unavailable.',
          ],
        ),
      },
    },
  },
};

/** Taking a like back: new with this system, so under /api only. */
const unlike: ApiPaths = {
  '/api/products/{id}/like': {
    delete: {
      tags: ['likes'],
      summary: "Take back the token's subject's like of a product (idempotent).",
      description:
        "204 whether or not there was a like to take back. A removed like lowers the count at once and `product_unliked` (with the like's id) tells admin, which counts it down once. Liking again later is a new like. Shares the like limits (LIKES_PER_MINUTE_PER_USER, LIKES_PER_MINUTE_PER_ADDRESS).",
      requestParams: { path: productIdPathSchema },
      responses: {
        204: { description: 'No like of this user remains on the product.' },
        ...errorResponses(
          400,
          [401, 'No valid token, or one revoked since (code token_revoked).'],
          [403, 'A service credential (snapshot reader) may not unlike.'],
          [404, 'No such product, or it was deleted.'],
          429,
          [503, "The token signing keys (admin's JWKS) are unreachable, or the database is unavailable."],
        ),
      },
    },
  },
};

const paths: ApiPaths = {
  ...stream,
  ...products,
  ...mirrorPaths(
    products,
    '/api',
    LEGACY_PREFIX,
    `Also under ${LEGACY_PREFIX} for clients of the system this one replaced (only the product list, one product, the like and the health report are).`,
  ),
  // The like and its taking back share a path; only the like is mirrored under the old prefix.
  '/api/products/{id}/like': { ...products['/api/products/{id}/like'], ...unlike['/api/products/{id}/like'] },
  '/api/auth/login': {
    post: {
      tags: ['auth'],
      summary: "Sign in with email and password: passed to admin's sign-in, for the storefront on this origin.",
      description:
        "Only email and password are passed on, with the client address main read (signed with CLIENT_ADDRESS_SECRET), never the client's X-Forwarded-For; admin's answer and its limits come back as they are. Behind a circuit breaker: while admin keeps failing, sign-ins answer 503 at once.",
      ...PUBLIC,
      requestBody: { content: { 'application/json': { schema: signInBodySchema } } },
      responses: {
        200: json(signedInSchema, 'Signed in.'),
        ...errorResponses(400, 401, [403, 'The account is disabled (code account_disabled).'], 413, 429, [
          503,
          'Admin is unreachable or failing (or its breaker is open): try again shortly.',
        ]),
      },
    },
  },
  '/api/me/likes': {
    get: {
      tags: ['likes'],
      summary: 'Which of the named products the caller has liked (never cached).',
      requestParams: { query: z.object({ products: productIdsQuerySchema }) },
      responses: {
        200: json(z.object({ liked: z.array(z.number().int()) }), 'The liked ones among them.'),
        ...errorResponses(400, 401, 403),
      },
    },
  },
  '/api/operations': {
    get: {
      tags: ['operations'],
      summary: "main's outbox backlog, for the console's operations page (staff).",
      responses: {
        200: json(
          z.object({ outbox: z.object({ rows: z.number().int().min(0), oldestAgeSeconds: z.number().min(0) }).nullable() }),
          'The backlog; null when this process runs no relay.',
        ),
        ...errorResponses(401, 403),
      },
    },
  },
  '/internal/products/snapshot': {
    get: {
      tags: ['internal'],
      summary: "Staff: main's copy of every product, tombstones included, with both like counts (reconciliation).",
      requestParams: { query: snapshotQuerySchema },
      responses: { 200: json(mainSnapshotPageSchema, 'A page in id order.'), ...errorResponses(400, 401, 403) },
    },
  },
  '/internal/products/{id}/likes/announce': {
    post: {
      tags: ['internal'],
      summary:
        'Staff: put every like of the product, and every like taken back, back in the outbox under its original id (reconcile --repair).',
      description: "Admin's inbox drops the likes it already counted and counts the rest.",
      requestParams: { path: productIdPathSchema },
      responses: {
        202: json(
          z.object({ productId: z.number().int(), announced: z.number().int().min(0), removalsAnnounced: z.number().int().min(0) }),
          'Committed to the outbox: the likes, and the likes taken back (product_unliked), under their original ids.',
        ),
        ...errorResponses(400, 401, 403, 413),
      },
    },
  },
  ...operationsPaths('Readiness: the database answers and the process is not draining (the broker is not required of an API).'),
};

/** main-service's OpenAPI document, generated from the schemas its routes validate and answer with. */
export function mainApiDocument(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Product catalogue: public API (main-service)',
    description:
      'People list products and like them. Errors have one shape (Error). Sign-in passes through to admin; likes and /api/me need a bearer token (any role), /api/operations and /internal need staff. The storefront is served at / (static files, not part of this document).',
    tags: [
      { name: 'products' },
      { name: 'likes' },
      { name: 'auth' },
      { name: 'operations' },
      { name: 'internal', description: 'Repair endpoints for operators; staff only.' },
      { name: 'legacy', description: `Paths kept under ${LEGACY_PREFIX} for the old system's clients.` },
    ],
    paths,
    touchesNothing: ['/livez', '/ready', '/metrics', OPENAPI_PATH],
  });
}
