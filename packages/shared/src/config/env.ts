import { z } from 'zod';

/** Thrown when start-up configuration is missing or malformed; its message is one line naming every bad key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates an environment against a schema once, at start-up.
 * Messages name keys and reasons only, never values, so a secret can't leak through a typo.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} (${issue.message})`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export const portVar = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const booleanVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

export const positiveIntVar = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const nodeEnvVar = z.enum(['development', 'production', 'test']).default('development');

export const logLevelVar = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** Names queues and exchanges apart so test runs (and tenants sharing a broker) never collide. */
export const amqpNamespaceVar = z
  .string()
  .regex(/^[a-z0-9_-]*\.?$/, 'lowercase letters, digits, - and _, optionally ending with a dot')
  .default('')
  .transform((ns) => (ns === '' || ns.endsWith('.') ? ns : `${ns}.`));

/** Variables both services read for their database and broker; each service adds its own. */
export const commonEnvShape = {
  NODE_ENV: nodeEnvVar,
  LOG_LEVEL: logLevelVar,
  DB_HOST: z.string().min(1).default('127.0.0.1'),
  DB_PORT: portVar(3306),
  DB_USER: z.string().min(1).optional(),
  DB_PASSWORD: z.string().optional(),
  DB_SECRET_ID: z.string().min(1).optional(),
  DB_POOL_SIZE: positiveIntVar(10),
  /** Secrets (DB_SECRET_ID, admin's JWT_PRIVATE_KEY_SECRET_ID) are read again this often, to follow rotations. */
  SECRET_REFRESH_SECONDS: positiveIntVar(300),
  /** No secret is read more often than this, whatever asks (a burst of refused logins causes one read). */
  SECRET_MIN_INTERVAL_SECONDS: positiveIntVar(10),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ENDPOINT_URL_SECRETS_MANAGER: z.url().optional(),
  RABBITMQ_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')
    .optional(),
  AMQP_NAMESPACE: amqpNamespaceVar,
  AMQP_HEARTBEAT_SECONDS: positiveIntVar(10),
  // Room for the consumer to batch: deliveries that arrive together commit in one transaction.
  AMQP_PREFETCH: positiveIntVar(250),
  AMQP_DELIVERY_LIMIT: positiveIntVar(10),
  /** Declare exchanges and queues at start; false with least-privilege broker users (provisioning declares them). */
  AMQP_DECLARE_TOPOLOGY: booleanVar(true),
  OUTBOX_SWEEP_MS: positiveIntVar(1000),
  /** An outbox event the broker returned unroutable waits this long for its first retry, then twice as long each time... */
  OUTBOX_RETRY_BASE_MS: positiveIntVar(1000),
  /** ...up to this. */
  OUTBOX_RETRY_MAX_MS: positiveIntVar(60_000),
  PUBLISH_CONFIRM_TIMEOUT_MS: positiveIntVar(5000),
  /** How long the inbox (`processed_events`) remembers an applied event; the consuming process prunes older rows. */
  INBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
  /** How often the consuming process prunes its inbox. */
  INBOX_PRUNE_INTERVAL_MS: positiveIntVar(3_600_000),
  SHUTDOWN_TIMEOUT_MS: positiveIntVar(10000),
  /**
   * How long a stopping API process keeps serving after its readiness turns 503, before it closes
   * its listener: a load balancer that checks readiness (HAProxy) takes it out meanwhile, so no
   * request meets a closing connection. 0 where the platform does it (Kubernetes' preStop pause).
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(0),
} as const;

const DEV_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

type CommonEnv = {
  NODE_ENV: 'development' | 'production' | 'test';
  OUTBOX_RETRY_BASE_MS: number;
  OUTBOX_RETRY_MAX_MS: number;
  DB_USER?: string;
  DB_PASSWORD?: string;
  DB_SECRET_ID?: string;
  RABBITMQ_URL?: string;
  SHUTDOWN_TIMEOUT_MS?: number;
  SHUTDOWN_DRAIN_MS?: number;
};

/**
 * Rules that span several variables: credentials come from Secrets Manager or from DB_USER and
 * DB_PASSWORD, and production has no built-in broker credentials.
 */
export function refineCommonEnv(env: CommonEnv, ctx: z.RefinementCtx): void {
  if (!env.DB_SECRET_ID) {
    if (env.DB_USER === undefined) ctx.addIssue({ code: 'custom', path: ['DB_USER'], message: 'required unless DB_SECRET_ID is set' });
    if (env.DB_PASSWORD === undefined)
      ctx.addIssue({ code: 'custom', path: ['DB_PASSWORD'], message: 'required unless DB_SECRET_ID is set' });
  }
  if (env.NODE_ENV === 'production' && !env.RABBITMQ_URL) {
    ctx.addIssue({ code: 'custom', path: ['RABBITMQ_URL'], message: 'required in production' });
  }
  if (env.OUTBOX_RETRY_MAX_MS < env.OUTBOX_RETRY_BASE_MS) {
    ctx.addIssue({ code: 'custom', path: ['OUTBOX_RETRY_MAX_MS'], message: 'must be at least OUTBOX_RETRY_BASE_MS' });
  }
  if (env.SHUTDOWN_DRAIN_MS !== undefined && env.SHUTDOWN_TIMEOUT_MS !== undefined && env.SHUTDOWN_DRAIN_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['SHUTDOWN_DRAIN_MS'],
      message: 'must be shorter than SHUTDOWN_TIMEOUT_MS, which bounds the whole shutdown',
    });
  }
}

export function brokerUrl(env: { RABBITMQ_URL?: string }): string {
  return env.RABBITMQ_URL ?? DEV_RABBITMQ_URL;
}

/** A URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
