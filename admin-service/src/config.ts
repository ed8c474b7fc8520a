import { z } from 'zod';
import { booleanVar, brokerUrl, commonEnvShape, CRASH_POINTS, loadConfig, portVar, positiveIntVar, refineCommonEnv } from '@catalogue/shared';

const schema = z
  .object({
    ...commonEnvShape,
    PORT: portVar(8000),
    DB_NAME: z.string().min(1).default('catalogue_admin'),
    /** Main's base URL, for the operations page (its health and outbox backlog). */
    MAIN_URL: z.url().default('http://127.0.0.1:5000'),
    MAIN_TIMEOUT_MS: positiveIntVar(2000),
    RUN_HTTP: booleanVar(true),
    RUN_CONSUMER: booleanVar(true),
    RUN_RELAY: booleanVar(true),
    /** Test-only: kill the process at a named moment (fault tests). Refused in production. */
    CRASH_POINT: z.enum(CRASH_POINTS).optional(),
  })
  .superRefine((env, ctx) => {
    refineCommonEnv(env, ctx);
    if (env.NODE_ENV === 'production' && env.CRASH_POINT) ctx.addIssue({ code: 'custom', path: ['CRASH_POINT'], message: 'test-only setting, refused in production' });
  });

export type AdminConfig = z.infer<typeof schema> & { brokerUrl: string };

export function loadAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  const config = loadConfig(schema, env);
  return { ...config, brokerUrl: brokerUrl(config) };
}

