import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SignJWT } from 'jose';
import { TokenVerifier, type TokenRole } from '@catalogue/shared';
import { ADMIN_CONFIG, SIGNING_KEY } from '../common/tokens';
import type { AdminConfig } from '../config';
import type { PublicJwk } from './signing-key';
import type { KeyRing, SigningKeys } from './signing-keys';

export interface IssuedToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Signs admin's bearer tokens (RS256) with the current key and verifies them for admin's own routes. */
@Injectable()
export class TokensService implements OnApplicationShutdown {
  private verifiedWith?: { ring: KeyRing; verifier: TokenVerifier };

  constructor(
    @Inject(SIGNING_KEY) private readonly keys: SigningKeys,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  /** Accepts every published key (current, next, previous); rebuilt when the key ring changes. */
  get verifier(): TokenVerifier {
    const ring = this.keys.ring();
    if (this.verifiedWith?.ring !== ring) {
      const verifier = new TokenVerifier({
        key: { kind: 'jwk-set', keys: [...ring.published] },
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
      });
      this.verifiedWith = { ring, verifier };
    }
    return this.verifiedWith.verifier;
  }

  /** `version`: the user's token version, carried as `ver` so a later change to the user revokes this token. */
  async issue(subject: string, role: TokenRole, ttlSeconds = this.config.JWT_TTL_SECONDS, version?: number): Promise<IssuedToken> {
    const { current } = this.keys.ring();
    const token = await new SignJWT(version === undefined ? { role } : { role, ver: version })
      .setProtectedHeader({ alg: 'RS256', kid: current.publicJwk.kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(current.privateKey);
    return { token, expiresIn: ttlSeconds };
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: [...this.keys.ring().published] };
  }

  onApplicationShutdown(): void {
    this.keys.close();
  }
}
