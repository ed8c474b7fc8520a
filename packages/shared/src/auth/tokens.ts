import { createLocalJWKSet, errors as joseErrors, importSPKI, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import { z } from 'zod';
import type { DependencyBreaker } from '../http/dependency-breaker';
import { AppError } from '../http/errors';
import { KeySetUnavailable, RemoteKeySet } from './remote-key-set';

/** Who a token speaks for: staff run the admin API; customers (and staff) like products. */
export const ROLES = ['staff', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Credentials for a service, not a person. Each opens only the routes that name it (main's resync
 * reads admin's snapshot with `snapshot-reader`, and nothing else): no route for people accepts one.
 */
export const SERVICE_ROLES = ['snapshot-reader'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type TokenRole = Role | ServiceRole;

export const isPersonRole = (role: TokenRole): role is Role => (ROLES as readonly string[]).includes(role);

/** Claims both sides agree on; defaults are names, not secrets. */
export const jwtClaimsEnvShape = {
  JWT_ISSUER: z.string().min(1).default('catalogue-admin'),
  JWT_AUDIENCE: z.string().min(1).default('catalogue'),
} as const;

export interface Identity {
  /** The user's id at admin, as a string (the token's `sub`); a service's name for a service role. */
  subject: string;
  role: TokenRole;
  /** The user's token version when the token was issued (`ver`; 0 when absent): older than the user's current one means revoked. */
  tokenVersion: number;
}

/**
 * Where a verifier gets its key. Each kind pins exactly one algorithm, so a token can never choose
 * how it is checked (no `none`, no HS256 signed with a public key).
 */
export type VerificationKey =
  | { kind: 'jwks'; url: string; timeoutMs?: number; cooldownMs?: number; maxAgeMs?: number; breaker?: DependencyBreaker }
  | { kind: 'public-key'; pem: string }
  | { kind: 'jwk-set'; keys: Record<string, unknown>[] }
  | { kind: 'secret'; secret: string };

export interface VerifierOptions {
  key: VerificationKey;
  issuer: string;
  audience: string;
}

const claimsSchema = z.object({
  sub: z.string().min(1).max(64),
  role: z.enum([...ROLES, ...SERVICE_ROLES]),
  ver: z.number().int().min(0).max(2_147_483_647).optional(),
});

export const unauthenticated = (reason: string) => new AppError(401, 'unauthenticated', reason);
export const forbidden = (reason: string) => new AppError(403, 'forbidden', reason);

/** Checks bearer tokens: signature with the pinned algorithm, expiry, not-before, issuer and audience. */
export class TokenVerifier {
  private readonly algorithm: 'RS256' | 'HS256';
  private readonly resolveKey: Promise<Uint8Array | KeyObject | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey>;

  constructor(private readonly options: VerifierOptions) {
    const { key } = options;
    this.algorithm = key.kind === 'secret' ? 'HS256' : 'RS256';
    this.resolveKey = (async () => {
      switch (key.kind) {
        case 'secret':
          return new TextEncoder().encode(key.secret);
        case 'public-key':
          return importSPKI(key.pem, 'RS256');
        case 'jwk-set':
          return createLocalJWKSet({ keys: key.keys });
        case 'jwks':
          // Keys are kept; an unknown kid (admin rotated its key) fetches again at most once per cooldown.
          return new RemoteKeySet({
            url: key.url,
            timeoutMs: key.timeoutMs ?? 2000,
            cooldownMs: key.cooldownMs ?? 30_000,
            maxAgeMs: key.maxAgeMs ?? 300_000,
            breaker: key.breaker,
          }).getKey;
      }
    })();
    // A bad PEM surfaces on the first verify (as 503) and at start-up through ready().
    this.resolveKey.catch(() => undefined);
  }

  /** Resolves once the key is usable; start-up calls it so a malformed key stops the service. */
  async ready(): Promise<void> {
    await this.resolveKey;
  }

  /** The identity in an `Authorization: Bearer ...` header; 401 for anything missing or invalid. */
  async verify(authorization: string | undefined): Promise<Identity> {
    const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('a bearer token is required');
    let payload: unknown;
    try {
      const key = await this.resolveKey;
      // The same call twice only because jwtVerify's overloads (key or key resolver) don't take a union.
      const verified = typeof key === 'function' ? await jwtVerify(token, key, this.checks()) : await jwtVerify(token, key, this.checks());
      payload = verified.payload;
    } catch (err) {
      throw toAuthError(err);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticated('the token lacks a valid subject or role');
    return { subject: claims.data.sub, role: claims.data.role, tokenVersion: claims.data.ver ?? 0 };
  }

  private checks() {
    return {
      algorithms: [this.algorithm],
      issuer: this.options.issuer,
      audience: this.options.audience,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: 5,
    };
  }
}

function toAuthError(err: unknown): AppError {
  if (err instanceof joseErrors.JWTExpired) return unauthenticated('the token has expired');
  if (err instanceof KeySetUnavailable) {
    return AppError.unavailable('the token signing keys');
  }
  if (err instanceof joseErrors.JOSEError) return unauthenticated('the token is not valid');
  // Anything else (a key that failed to import) is ours, not the caller's fault.
  return AppError.unavailable('token verification');
}
