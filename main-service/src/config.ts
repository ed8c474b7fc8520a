import { decodeJwt } from 'jose';
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
  SNAPSHOT_LIMIT_MAX,
  type VerificationKey,
} from '@catalogue/shared';

const schema = z
  .object({
    ...commonEnvShape,
    ...accessLogEnvShape,
    ...httpSecurityEnvShape,
    ...jwtClaimsEnvShape,
    ...searchLimitsEnvShape,
    ...rateLimitEnvShape,
    ...clientAddressEnvShape,
    PORT: portVar(5000),
    /** The consumer-only process's probes and metrics (`consumer.js`). */
    OPS_PORT: portVar(5001),
    DB_NAME: z.string().min(1).default('catalogue_main'),
    /** Admin's base URL: its JWKS (by default outside production) and the development random-user mode. */
    ADMIN_URL: z.url().default('http://127.0.0.1:8000'),
    ADMIN_TIMEOUT_MS: positiveIntVar(2000),
    /** How long a sign-in passed to admin may take: more than admin's LOGIN_DELAY_MAX_MS plus a password check. */
    LOGIN_TIMEOUT_MS: positiveIntVar(5000),
    /** Consecutive failures (unreachable, timed out, 5xx) of one kind of call to admin that open its circuit breaker. */
    ADMIN_BREAKER_FAILURES: positiveIntVar(5),
    /** How long an open breaker answers 503 at once before it lets one call through to try admin again. */
    ADMIN_BREAKER_HALF_OPEN_MS: positiveIntVar(5000),
    /** Where admin publishes its token keys (RS256). Outside production it defaults to ADMIN_URL's. */
    JWT_JWKS_URL: z.url().optional(),
    /** An unknown `kid` fetches the JWKS again, but never sooner than this after the last fetch. */
    JWT_JWKS_COOLDOWN_SECONDS: positiveIntVar(30),
    /** The JWKS is fetched again before use when the keys in hand are older than this (they stay in use if that fails). */
    JWT_JWKS_MAX_AGE_SECONDS: positiveIntVar(300),
    /** Admin's public key (PEM), instead of fetching the JWKS. */
    JWT_PUBLIC_KEY: z
      .string()
      .regex(/-----BEGIN PUBLIC KEY-----/, 'must be a PEM public key (SPKI)')
      .optional(),
    /** HS256 shared secret, instead of admin's RS256 keys. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Development only: a like without a token gets a random user from admin, as the old system did. Refused in production. */
    DEV_RANDOM_USER: booleanVar(false),
    LIKES_PER_MINUTE_PER_USER: positiveIntVar(30),
    /** How often each API process reads the users admin revoked (user_changed events applied here). */
    REVOCATION_REFRESH_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    LIKES_PER_MINUTE_PER_ADDRESS: positiveIntVar(120),
    /** Rebuild the product copy from admin's snapshot when main starts with none at all. */
    RESYNC_ON_EMPTY: booleanVar(true),
    /**
     * A snapshot-reader credential for admin's internal snapshot (resync; admin's
     * POST /api/auth/snapshot-token issues one); without it a resync is refused by admin.
     */
    ADMIN_TOKEN: z.string().min(1).optional(),
    RESYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(SNAPSHOT_LIMIT_MAX).default(200),
    /** How long a product list page may be served from memory; 0 turns the cache off. */
    PRODUCT_LIST_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(200),
    /** What the list cache may hold at once (approximate bytes of the rendered pages); the oldest pages go first. */
    PRODUCT_LIST_CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(65_536)
      .max(1_073_741_824)
      .default(8 * 1024 * 1024),
    /** How often an API process reads the change feed for changes committed elsewhere (bounds how stale its cache may be). */
    PRODUCT_CHANGES_POLL_MS: z.coerce.number().int().min(10).max(10_000).default(100),
    /** How long changes stay in the feed: the window a reconnecting reader can resume in. */
    PRODUCT_CHANGES_RETENTION_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
    /** Live streams (GET /api/products/stream) one process keeps open at most; more are answered 503. */
    LIVE_STREAMS_MAX: positiveIntVar(2000),
    /** Live streams one client address may keep open in one process; more are answered 429. */
    LIVE_STREAMS_PER_ADDRESS: positiveIntVar(8),
    /** Stream opens per client address per minute (counted where the rate limits count). */
    LIVE_STREAM_OPENS_PER_MINUTE_PER_ADDRESS: positiveIntVar(60),
    /** Like counts are gathered this long and sent once per product; 0 sends each at once. */
    LIVE_COALESCE_MS: z.coerce.number().int().min(0).max(5000).default(250),
    /** How often an idle stream gets a comment line; keep it below every proxy's idle timeout in front. */
    LIVE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
    /** A reader that leaves more than this unread is cut off (it reconnects and resumes). */
    LIVE_STREAM_MAX_BUFFER_KB: z.coerce.number().int().min(1).max(16_384).default(64),
    RUN_HTTP: booleanVar(true),
    RUN_CONSUMER: booleanVar(true),
    RUN_RELAY: booleanVar(true),
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
      // Without it admin counts every storefront sign-in under main's address: one guesser would lock out the whole storefront.
      ctx.addIssue({
        code: 'custom',
        path: ['CLIENT_ADDRESS_SECRET'],
        message: "required in production (the same as admin's), to pass on the client's address with sign-ins",
      });
    }
    const keys = (['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const).filter((name) => env[name] !== undefined);
    if (keys.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [keys[1]!],
        message: `set one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET (also set: ${keys[0]})`,
      });
    if (production && keys.length === 0)
      ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'required in production (or JWT_PUBLIC_KEY or JWT_SECRET)' });
    // A staff token here would give a compromised main every admin power: production takes only the snapshot reader.
    if (production && env.ADMIN_TOKEN && tokenRole(env.ADMIN_TOKEN) !== 'snapshot-reader') {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_TOKEN'],
        message: "must be a snapshot-reader credential (admin's POST /api/auth/snapshot-token), not a person's token",
      });
    }
  });

/** The role a token claims (not verified: admin verifies it; this only keeps a staff token out of main's settings). */
function tokenRole(token: string): unknown {
  try {
    return decodeJwt(token).role;
  } catch {
    return undefined;
  }
}

export type MainConfig = z.infer<typeof schema> & { brokerUrl: string; tokenKey: VerificationKey };

export function loadMainConfig(env: Record<string, string | undefined>): MainConfig {
  const config = loadConfig(schema, env);
  return { ...config, brokerUrl: brokerUrl(config), tokenKey: tokenKeyOf(config) };
}

/** One key source, one pinned algorithm: HS256 for a secret, RS256 otherwise. */
function tokenKeyOf(config: z.infer<typeof schema>): VerificationKey {
  if (config.JWT_SECRET) return { kind: 'secret', secret: config.JWT_SECRET };
  if (config.JWT_PUBLIC_KEY) return { kind: 'public-key', pem: config.JWT_PUBLIC_KEY };
  return {
    kind: 'jwks',
    url: config.JWT_JWKS_URL ?? new URL('/.well-known/jwks.json', config.ADMIN_URL).toString(),
    timeoutMs: config.ADMIN_TIMEOUT_MS,
    cooldownMs: config.JWT_JWKS_COOLDOWN_SECONDS * 1000,
    maxAgeMs: config.JWT_JWKS_MAX_AGE_SECONDS * 1000,
  };
}
