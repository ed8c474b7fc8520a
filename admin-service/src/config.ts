import { z } from 'zod';
import { booleanVar, brokerUrl, commonEnvShape, CRASH_POINTS, loadConfig, portVar, refineCommonEnv } from '@catalogue/shared';

const schema = z
  .object({
    ...commonEnvShape,
    PORT: portVar(8000),
    /** The consumer-only process's probes and metrics (`consumer.js`). */
    OPS_PORT: portVar(8001),
    DB_NAME: z.string().min(1).default('catalogue_admin'),
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

