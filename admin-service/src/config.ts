import { z } from 'zod';
import {
  accessLogEnvShape,
  booleanVar,
  brokerUrl,
  clientAddressEnvShape,
  commonEnvShape,
  CRASH_POINTS,
  httpSecurityEnvShape,
  jwtClaimsEnvShape,
  loadConfig,
  portVar,
  positiveIntVar,
  rateLimitEnvShape,
  refineCommonEnv,
  searchLimitsEnvShape,
} from '@catalogue/shared';

const pemPrivateKey = z.string().regex(/-----BEGIN (RSA )?PRIVATE KEY-----/, 'must be a PEM private key (PKCS#8 or PKCS#1)');

const schema = z
  .object({
    ...commonEnvShape,
    ...accessLogEnvShape,
    ...httpSecurityEnvShape,
    ...jwtClaimsEnvShape,
    ...searchLimitsEnvShape,
    ...rateLimitEnvShape,
    ...clientAddressEnvShape,
    PORT: portVar(8000),
    /** The consumer-only process's probes and metrics (`consumer.js`). */
    OPS_PORT: portVar(8001),
    DB_NAME: z.string().min(1).default('catalogue_admin'),
    /** Main's base URL, for the operations page (its health and outbox backlog). */
    MAIN_URL: z.url().default('http://127.0.0.1:5000'),
    MAIN_TIMEOUT_MS: positiveIntVar(2000),
    /**
     * A broker user that may read the dead-letter queues and publish to both exchanges, for the
     * console's replay. Optional: without it replay answers 503. Holds a password: never logged.
     */
    OPS_RABBITMQ_URL: z
      .string()
      .regex(/^amqps?:\/\/[^\s]+$/, 'must be an amqp:// or amqps:// URL')
      .optional(),
    RUN_HTTP: booleanVar(true),
    RUN_CONSUMER: booleanVar(true),
    RUN_RELAY: booleanVar(true),
    /** RSA private key (PEM) that signs bearer tokens (RS256). */
    JWT_PRIVATE_KEY: pemPrivateKey.optional(),
    /**
     * Secrets Manager secret whose string is that PEM, read at start and every SECRET_REFRESH_SECONDS:
     * its AWSCURRENT version signs; AWSPENDING and AWSPREVIOUS are published too (key rotation).
     */
    JWT_PRIVATE_KEY_SECRET_ID: z.string().min(1).optional(),
    /** RSA public keys (PEM, one or more) published and accepted besides the signing key: the previous or next key when rotating without Secrets Manager. */
    JWT_EXTRA_PUBLIC_KEYS: z
      .string()
      .regex(/-----BEGIN PUBLIC KEY-----/, 'must hold PEM public keys (SPKI)')
      .optional(),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** Lifetime of a staff member's token from sign-in: every admin power, so shorter. */
    JWT_STAFF_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
    /** How long a user's disabled flag and token version are trusted from memory (a revoked token works at most this long on another replica). */
    USER_STATE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /** Lifetime of a snapshot-reader credential (main's ADMIN_TOKEN for a resync). */
    SNAPSHOT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
    /** Let anyone read products (GET); writes always need staff. */
    ADMIN_PUBLIC_READS: booleanVar(false),
    /** Development only: `GET /api/user` answers anyone, for main's random-user mode. Refused in production. */
    DEV_RANDOM_USER: booleanVar(false),
    /** Failed sign-ins allowed per 15 minutes from one client address, and for one email from one address; then 429. */
    LOGIN_FAILURES_PER_ADDRESS: positiveIntVar(30),
    LOGIN_FAILURES_PER_EMAIL: positiveIntVar(10),
    /** Failed sign-ins for one email (from any address) per 15 minutes after which each attempt is delayed, never refused. */
    LOGIN_DELAY_AFTER_FAILURES: positiveIntVar(5),
    /** The longest such delay (they double from 250 ms): what an attacker elsewhere can cost the email's owner. */
    LOGIN_DELAY_MAX_MS: z.coerce.number().int().min(0).max(10_000).default(2000),
    /** Product writes allowed per minute per client address. */
    WRITES_PER_MINUTE: positiveIntVar(120),
    /**
     * Development seed only: where browsers find the demo catalogue's pictures (main serves them
     * with the storefront at /demo/). The seeded products' image addresses start with it.
     */
    DEMO_PICTURES_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .transform((url) => (url.endsWith('/') ? url : `${url}/`))
      .default('http://localhost:5000/demo/'),
    /** Test-only: kill the process at a named moment (fault tests). Refused in production. */
    CRASH_POINT: z.enum(CRASH_POINTS).optional(),
  })
  .superRefine((env, ctx) => {
    refineCommonEnv(env, ctx);
    const production = env.NODE_ENV === 'production';
    if (production && env.CRASH_POINT)
      ctx.addIssue({ code: 'custom', path: ['CRASH_POINT'], message: 'test-only setting, refused in production' });
    if (production && env.DEV_RANDOM_USER)
      ctx.addIssue({ code: 'custom', path: ['DEV_RANDOM_USER'], message: 'development-only setting, refused in production' });
    if (production && env.RUN_HTTP && !env.CLIENT_ADDRESS_SECRET) {
      // Without it, every storefront sign-in counts under main's address: one guesser would lock out the whole storefront.
      ctx.addIssue({
        code: 'custom',
        path: ['CLIENT_ADDRESS_SECRET'],
        message: "required in production (the same as main's), to tell storefront sign-ins apart",
      });
    }
    if (env.JWT_PRIVATE_KEY && env.JWT_PRIVATE_KEY_SECRET_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PRIVATE_KEY_SECRET_ID'],
        message: 'set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_SECRET_ID, not both',
      });
    }
    // Consumer processes (RUN_HTTP=false) sign nothing and are not given the key.
    if (production && env.RUN_HTTP && !env.JWT_PRIVATE_KEY && !env.JWT_PRIVATE_KEY_SECRET_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PRIVATE_KEY'],
        message: 'required in production where HTTP runs (or JWT_PRIVATE_KEY_SECRET_ID)',
      });
    }
  });

export type AdminConfig = z.infer<typeof schema> & { brokerUrl: string };

export function loadAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  const config = loadConfig(schema, env);
  return { ...config, brokerUrl: brokerUrl(config) };
}
