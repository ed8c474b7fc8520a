import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '@catalogue/shared';
import type { AdminUsersClient } from './users.client';
import { VerifiedTokens } from './verified-tokens';

export interface IdentitySettings {
  jwtSecret?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Who is liking: the subject of a verified bearer token. Without a configured key (development
 * only; production configuration refuses it) admin picks a random user, as the old system did.
 */
export class UsersService {
  private readonly key: Uint8Array | undefined;
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly settings: IdentitySettings,
    private readonly admin: AdminUsersClient,
  ) {
    this.key = settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : undefined;
  }

  async identify(authorization: string | undefined): Promise<string> {
    if (!this.key) return this.admin.randomUserId();
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new AppError(401, 'unauthenticated', 'a bearer token is required');
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        ...(this.settings.issuer ? { issuer: this.settings.issuer } : {}),
        ...(this.settings.audience ? { audience: this.settings.audience } : {}),
      });
      if (!payload.sub) throw new AppError(401, 'unauthenticated', 'the token has no subject');
      this.verified.remember(token, payload.sub, payload.exp);
      return payload.sub;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const reason = err instanceof joseErrors.JWTExpired ? 'the token has expired' : 'the token is not valid';
      throw new AppError(401, 'unauthenticated', reason);
    }
  }
}
