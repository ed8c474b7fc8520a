import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { TokenVerifier, type TokenRole } from '@catalogue/shared';
import { ADMIN_CONFIG, SIGNING_KEY } from '../common/tokens';
import type { AdminConfig } from '../config';
import type { SigningKey } from './signing-key';

export interface IssuedToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Signs admin's bearer tokens (RS256) and verifies them for admin's own routes. */
@Injectable()
export class TokensService {
  readonly verifier: TokenVerifier;

  constructor(
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {
    this.verifier = new TokenVerifier({ key: { kind: 'jwk-set', keys: [key.publicJwk] }, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  }

  /** `version`: the user's token version, carried as `ver` so a later change to the user revokes this token. */
  async issue(subject: string, role: TokenRole, ttlSeconds = this.config.JWT_TTL_SECONDS, version?: number): Promise<IssuedToken> {
    const token = await new SignJWT(version === undefined ? { role } : { role, ver: version })
      .setProtectedHeader({ alg: 'RS256', kid: this.key.publicJwk.kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { token, expiresIn: ttlSeconds };
  }

  jwks(): { keys: SigningKey['publicJwk'][] } {
    return { keys: [this.key.publicJwk] };
  }
}
