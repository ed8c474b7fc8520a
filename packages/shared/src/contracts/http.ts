import { z } from 'zod';
import { productIdSchema } from './events';
import { adminSnapshotRowSchema, mainSnapshotRowSchema } from './snapshot';

/**
 * Response bodies both services answer with, as zod schemas: the OpenAPI documents are generated
 * from them (`.meta({ id })` makes a named component), and the API tests check every answer
 * against those documents. Request schemas stay where they validate (routers, controllers, pagination).
 */

export const errorBodySchema = z
  .object({
    code: z.string().meta({
      examples: [
        'validation_failed',
        'not_found',
        'already_liked',
        'unauthenticated',
        'forbidden',
        'rate_limited',
        'dependency_unavailable',
      ],
    }),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .meta({
    id: 'Error',
    description: 'The one error shape of both services: a stable code, a message for people, and the fields at fault.',
  });

export const productSchema = z
  .object({
    id: productIdSchema,
    title: z.string(),
    image: z.string().meta({ format: 'uri' }),
    likes: z.number().int().min(0),
  })
  .meta({ id: 'Product' });

export const productListSchema = z.array(productSchema);

const dependency = z.enum(['database', 'broker']);

export const healthReportSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']).meta({ description: "Readiness's verdict: ok exactly when /readyz answers 200." }),
    checks: z.object({ database: z.enum(['up', 'down']), broker: z.enum(['up', 'down']) }),
    required: z
      .array(dependency)
      .meta({ description: 'The checks readiness requires ([database] on an API process); the others are reported only.' }),
    draining: z.boolean().meta({ description: 'Shutting down: not ready, whatever the checks say.' }),
  })
  .meta({ id: 'Health' });

export const readinessSchema = z
  .object({ status: z.enum(['ok', 'unavailable']), failing: z.array(z.enum(['database', 'broker', 'draining'])).optional() })
  .meta({ id: 'Readiness' });

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

/** A product id in a path: digits only, as parseProductId accepts it. */
export const productIdPathSchema = z.object({
  id: z.coerce.number().int().min(1).max(2_147_483_647).meta({ description: 'A product id.' }),
});

const snapshotPage = <T extends z.ZodType>(row: T, id: string) =>
  z
    .object({
      items: z.array(row),
      next: productIdSchema.nullable().meta({ description: 'The `after` of the following page; null on the last.' }),
    })
    .meta({ id });

export const adminSnapshotPageSchema = snapshotPage(adminSnapshotRowSchema.meta({ id: 'AdminSnapshotRow' }), 'AdminSnapshotPage');
export const mainSnapshotPageSchema = snapshotPage(mainSnapshotRowSchema.meta({ id: 'MainSnapshotRow' }), 'MainSnapshotPage');

/** A sign-in's answer (admin's `POST /api/auth/login`, and main's pass-through of it). */
export const signedInSchema = z
  .object({
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`.' }),
    expiresIn: z.number().int().positive().meta({ description: 'Seconds until the token expires (JWT_TTL_SECONDS).' }),
    user: z.object({ id: z.number().int(), email: z.string(), role: z.enum(['staff', 'customer']) }),
  })
  .meta({ id: 'SignedIn' });

/** The sign-in's body as a client sends it; admin validates it (main passes these two fields on). */
export const signInBodySchema = z
  .strictObject({
    email: z.email().max(255).meta({ description: 'Compared case-insensitively.' }),
    password: z.string().min(1).max(1024),
  })
  .meta({ id: 'SignIn' });
