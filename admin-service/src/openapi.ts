import { z } from 'zod';
import {
  adminSnapshotPageSchema,
  adminSnapshotRowSchema,
  buildOpenApiDocument,
  errorResponses,
  healthReportSchema,
  json,
  listQuerySchema,
  OPENAPI_PATH,
  operationsPaths,
  pageQuerySchema,
  productIdPathSchema,
  productListSchema,
  productSchema,
  ROLES,
  signedInSchema,
  snapshotQuerySchema,
  type ApiPaths,
  type OpenApiDocument,
} from '@catalogue/shared';
import { LOGIN_PATH, loginSchema, SNAPSHOT_TOKEN_PATH } from './auth/auth.controller';
import { userPatchSchema } from './users/users.controller';
import { replaySchema } from './operations/dead-letters.controller';
import { productFiltersSchema } from './products/product-filters';
import { productInputSchema } from './products/products.controller';
import { reannounceSchema } from './products/products.internal.controller';

const PUBLIC = { security: [] };
/** Reads that are public only when ADMIN_PUBLIC_READS is on; otherwise they need staff. */
const PUBLIC_WHEN_CONFIGURED: { security: Record<string, string[]>[] } = { security: [{}, { bearer: [] }] };
/** Every write: the body limit, the JSON-only rule, staff only, and the writes-per-minute limit. */
const WRITE_ERRORS = [400, 401, 403, 413, 415, 429] as const;

const linkHeader = z.object({ Link: z.string().optional().meta({ description: 'When there is a next page: <...>; rel="next".' }) });
const role = z.enum(ROLES);
const userViewSchema = z
  .object({ id: z.number().int(), email: z.string(), name: z.string(), role, disabled: z.boolean() })
  .meta({ id: 'User' });
const userIdPathSchema = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647).meta({ description: 'A user id.' }) });

const operationsReportSchema = z.object({
  checkedAt: z.iso.datetime(),
  services: z.array(
    z.object({
      service: z.string(),
      status: z.enum(['ok', 'unavailable', 'unreachable']),
      checks: z.record(z.string(), z.string()).optional(),
    }),
  ),
  outbox: z.array(
    z.object({ service: z.string(), pending: z.number().int().nullable(), oldestAt: z.string().nullable(), note: z.string().optional() }),
  ),
  deadLetters: z.array(
    z.object({ service: z.string(), queue: z.string(), messages: z.number().int().nullable(), note: z.string().optional() }),
  ),
  replay: z.object({ available: z.boolean(), note: z.string() }),
});

const consumer = z.enum(['main', 'admin']);
const deadLettersSchema = z.object({
  queues: z.array(
    z.object({
      queue: consumer,
      name: z.string().meta({ description: "The dead-letter queue's name (with AMQP_NAMESPACE)." }),
      messages: z.array(
        z.object({
          id: z.string().nullable().meta({ description: 'The message id (the event id).' }),
          type: z.string().nullable(),
          originQueue: z.string().meta({ description: 'The consumer queue it was dead-lettered from.' }),
          reason: z.string().meta({ description: "The consumer's x-dead-letter-reason, or the broker's (e.g. delivery_limit)." }),
          deaths: z.number().int(),
        }),
      ),
    }),
  ),
});
const replayResultSchema = z.object({
  queue: consumer,
  replayed: z.array(z.string().nullable()),
  failed: z.array(z.object({ id: z.string().nullable(), error: z.string() })),
  notFound: z.array(z.string()),
});
const jwksSchema = z
  .object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.literal('RS256'), use: z.literal('sig') })) })
  .meta({
    description:
      'JWK Set: the signing key first, then the next key (published before it signs) and the previous one (until its tokens expire).',
  });

const paths: ApiPaths = {
  [LOGIN_PATH]: {
    post: {
      tags: ['auth'],
      summary: 'Sign in with email and password; answers a bearer token.',
      description:
        'The same 401 for an unknown email and a wrong password. Failed attempts are refused (429) per client address (LOGIN_FAILURES_PER_ADDRESS) and per email from one address (LOGIN_FAILURES_PER_EMAIL) in a 15-minute window; past LOGIN_DELAY_AFTER_FAILURES failures for an email, its sign-ins are answered later (at most LOGIN_DELAY_MAX_MS), never refused.',
      ...PUBLIC,
      requestBody: { content: { 'application/json': { schema: loginSchema } } },
      responses: {
        200: json(signedInSchema, 'Signed in.'),
        ...errorResponses(
          400,
          [401, 'Wrong email or password (code invalid_credentials).'],
          [403, 'The account is disabled (code account_disabled).'],
          413,
          415,
          429,
        ),
      },
    },
  },
  [SNAPSHOT_TOKEN_PATH]: {
    post: {
      tags: ['auth'],
      summary: "Staff: a credential that reads the product snapshot and nothing else, for main's resync (ADMIN_TOKEN).",
      responses: {
        200: json(
          z.object({ token: z.string(), expiresIn: z.number().int().positive(), role: z.literal('snapshot-reader') }),
          'The credential.',
        ),
        ...errorResponses(400, 401, 403, 413, 415, 429),
      },
    },
  },
  '/.well-known/jwks.json': {
    get: {
      tags: ['auth'],
      summary: "The public keys that verify admin's tokens (RS256), by kid.",
      ...PUBLIC,
      responses: { 200: json(jwksSchema, 'The key set.') },
    },
  },
  '/api/products': {
    get: {
      tags: ['products'],
      summary: 'List, search, sort and filter live products, keyset-paginated.',
      description: "As main's list, plus filters by likes and creation time. Needs staff unless ADMIN_PUBLIC_READS is on.",
      ...PUBLIC_WHEN_CONFIGURED,
      requestParams: {
        query: listQuerySchema.extend({
          min_likes: productFiltersSchema.shape.min_likes.meta({ description: 'At least this many likes.' }),
          max_likes: productFiltersSchema.shape.max_likes.meta({
            description: 'At most this many likes (max_likes=0: products nobody liked).',
          }),
          created_from: productFiltersSchema.shape.created_from.meta({
            description: 'Created at or after: a day (YYYY-MM-DD, UTC) or an ISO 8601 date-time with an offset.',
          }),
          created_to: productFiltersSchema.shape.created_to.meta({
            description: 'Created at or before; a day includes the whole (UTC) day.',
          }),
        }),
      },
      responses: {
        200: { ...json(productListSchema, 'A page of products.'), headers: linkHeader },
        ...errorResponses(
          [
            400,
            'The query is not valid (code validation_failed), or the search has too many short or common words (code search_too_costly).',
          ],
          401,
          403,
          [429, 'Over the per-address limit of searches (code rate_limited).'],
          [503, 'The database stopped a search that ran too long (code search_timed_out), or is unavailable.'],
        ),
      },
    },
    post: {
      tags: ['products'],
      summary: 'Create a product; product_created is committed with it.',
      requestBody: { content: { 'application/json': { schema: productInputSchema } } },
      responses: { 201: json(productSchema, 'Created.'), ...errorResponses(...WRITE_ERRORS) },
    },
  },
  '/api/products/{id}': {
    get: {
      tags: ['products'],
      summary: 'One live product. Needs staff unless ADMIN_PUBLIC_READS is on.',
      ...PUBLIC_WHEN_CONFIGURED,
      requestParams: { path: productIdPathSchema },
      responses: { 200: json(productSchema, 'The product.'), ...errorResponses(400, 401, 403, 404) },
    },
    put: {
      tags: ['products'],
      summary: "Replace a product's title and image; 202 as the old contract answered (committed when it returns).",
      requestParams: { path: productIdPathSchema },
      requestBody: { content: { 'application/json': { schema: productInputSchema } } },
      responses: { 202: json(productSchema, 'Updated.'), ...errorResponses(...WRITE_ERRORS, 404) },
    },
    delete: {
      tags: ['products'],
      summary: 'Delete a product (a tombstone stays; product_deleted is committed with it).',
      requestParams: { path: productIdPathSchema },
      responses: { 204: { description: 'Deleted.' }, ...errorResponses(...WRITE_ERRORS, 404) },
    },
  },
  '/api/users': {
    get: {
      tags: ['users'],
      summary: "Users in id order, keyset-paginated: the console's users page.",
      requestParams: { query: pageQuerySchema },
      responses: {
        200: { ...json(z.array(userViewSchema), 'A page of users.'), headers: linkHeader },
        ...errorResponses(400, 401, 403),
      },
    },
  },
  '/api/users/{id}': {
    patch: {
      tags: ['users'],
      summary: "Change a user's role or disabled flag; their earlier tokens stop working (user_changed tells main).",
      description:
        "Raises the user's token version: tokens issued before are refused at once on admin and on main once it applies user_changed. Staff cannot change themselves.",
      requestParams: { path: userIdPathSchema },
      requestBody: { content: { 'application/json': { schema: userPatchSchema } } },
      responses: {
        200: json(userViewSchema, 'The user as they now are.'),
        ...errorResponses(400, 401, 403, 404, [409, 'A staff member tried to change their own account (code own_account).'], 413, 429),
      },
    },
  },
  '/api/user': {
    get: {
      tags: ['users'],
      summary: "A random user's id, for main's development random-user mode (staff only unless DEV_RANDOM_USER is on).",
      ...PUBLIC_WHEN_CONFIGURED,
      responses: {
        200: json(z.object({ id: z.number().int() }), 'A user.'),
        ...errorResponses(401, 403, [404, 'There are no users yet (code not_found).']),
      },
    },
  },
  '/api/operations': {
    get: {
      tags: ['operations'],
      summary: 'Health of both services, outbox backlogs and dead-letter depths, for the console.',
      description:
        "A part that cannot be read is reported as null with a note, never as an error. main's part is asked with the caller's own token.",
      responses: { 200: json(operationsReportSchema, 'The report.'), ...errorResponses(401, 403) },
    },
  },
  '/api/operations/dead-letters': {
    get: {
      tags: ['operations'],
      summary: 'The messages in both dead-letter queues, with their reasons (read without removing them; at most 500 per queue).',
      responses: {
        200: json(deadLettersSchema, "Both queues, main's first."),
        ...errorResponses(401, 403, [503, 'OPS_RABBITMQ_URL is not set (code replay_not_configured), or the broker is unavailable.']),
      },
    },
  },
  '/api/operations/dead-letters/replay': {
    post: {
      tags: ['operations'],
      summary:
        'Republish chosen dead letters (by id, or all of one queue) to their original exchange; each leaves its queue only once its copy is confirmed.',
      requestBody: { content: { 'application/json': { schema: replaySchema } } },
      responses: {
        200: json(replayResultSchema, 'What was replayed, what failed (still queued) and which ids were not there.'),
        ...errorResponses(...WRITE_ERRORS, [
          503,
          'OPS_RABBITMQ_URL is not set (code replay_not_configured), or the broker is unavailable.',
        ]),
      },
    },
  },
  '/internal/products/snapshot': {
    get: {
      tags: ['internal'],
      summary:
        "Staff: every product in id order, deleted ones as tombstones, with versions and like counts (main's resync, reconciliation).",
      requestParams: { query: snapshotQuerySchema },
      responses: { 200: json(adminSnapshotPageSchema, 'A page.'), ...errorResponses(400, 401, 403) },
    },
  },
  '/internal/products/{id}/announce': {
    post: {
      tags: ['internal'],
      summary: "Staff: publish the product's current state again under a new version (reconcile --repair).",
      description:
        'Sets version to max(version + 1, atLeastVersion) and commits product_updated (product_deleted for a deleted one) with it.',
      requestParams: { path: productIdPathSchema },
      requestBody: { required: false, content: { 'application/json': { schema: reannounceSchema } } },
      responses: { 202: json(adminSnapshotRowSchema, 'Re-announced; the row as it now is.'), ...errorResponses(...WRITE_ERRORS, 404) },
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
  ...operationsPaths('Readiness: the database answers and the process is not draining.'),
};

/** admin-service's OpenAPI document, generated from the schemas its controllers validate and answer with. */
export function adminApiDocument(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Product catalogue: admin API (admin-service)',
    description:
      'Staff create, update and delete products; admin keeps like counts and users and signs the tokens both services accept. Every route needs a staff token unless it says otherwise. Errors have one shape (Error). The console is served at /admin (static files, not part of this document).',
    tags: [
      { name: 'auth' },
      { name: 'products' },
      { name: 'users' },
      { name: 'operations' },
      { name: 'internal', description: "Repair endpoints for operators and main's resync; staff only." },
    ],
    paths,
    touchesNothing: ['/livez', '/ready', '/metrics', OPENAPI_PATH, '/.well-known/jwks.json'],
  });
}
