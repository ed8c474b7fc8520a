import { z } from 'zod';
import { booleanVar, brokerUrl, commonEnvShape, CRASH_POINTS, loadConfig, portVar, positiveIntVar, refineCommonEnv } from '@catalogue/shared';

const schema = z
  .object({
    ...commonEnvShape,
    PORT: portVar(5000),
    DB_NAME: z.string().min(1).default('catalogue_main'),
    /** Admin's base URL, for the development fallback that asks admin for a user. */
    ADMIN_URL: z.url().default('http://127.0.0.1:8000'),
    ADMIN_TIMEOUT_MS: positiveIntVar(2000),
    /** HS256 key for bearer tokens; without it (development only) likes take a random user from admin. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /** How long a product list page may be served from memory; 0 turns the cache off. */
    PRODUCT_LIST_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(200),
    RUN_HTTP: booleanVar(true),
    RUN_CONSUMER: booleanVar(true),
    RUN_RELAY: booleanVar(true),
    /** Test-only: kill the process at a named moment (fault tests). Refused in production. */
    CRASH_POINT: z.enum(CRASH_POINTS).optional(),
  })
  .superRefine((env, ctx) => {
    refineCommonEnv(env, ctx);
    if (env.NODE_ENV === 'production' && env.CRASH_POINT) ctx.addIssue({ code: 'custom', path: ['CRASH_POINT'], message: 'test-only setting, refused in production' });
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required in production (the random-user mode is for development only)' });
  });

export type MainConfig = z.infer<typeof schema> & { brokerUrl: string };

export function loadMainConfig(env: Record<string, string | undefined>): MainConfig {
  const config = loadConfig(schema, env);
  return { ...config, brokerUrl: brokerUrl(config) };
}
