import { decodeJwt } from 'jose';
import type { Identity, TokenVerifier } from '@catalogue/shared';
import type { AdminUsersClient } from './users.client';
import { VerifiedTokens } from './verified-tokens';

/**
 * Who is calling: the subject and role of a verified bearer token, and nothing the client says
 * otherwise (body, query or custom headers). Only with DEV_RANDOM_USER (development; production
 * refuses it) does a request without a token become a random customer from admin, as the old
 * system did.
 */
export class UsersService {
  private readonly verified = new VerifiedTokens<Identity>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly admin: AdminUsersClient,
    private readonly devRandomUser: boolean,
  ) {}

  async identify(authorization: string | undefined): Promise<Identity> {
    if (this.devRandomUser && authorization === undefined) return { subject: await this.admin.randomUserId(), role: 'customer' };
    // Keyed by the whole header (signature included): only the very same token hits.
    const known = authorization === undefined ? undefined : this.verified.get(authorization);
    if (known) return known;
    const identity = await this.verifier.verify(authorization);
    this.verified.remember(authorization!, identity, expiryOf(authorization!));
    return identity;
  }
}

/** The verified token's `exp` (seconds); verification already required it. */
function expiryOf(authorization: string): number | undefined {
  const exp = decodeJwt(authorization.slice('Bearer '.length)).exp;
  return typeof exp === 'number' ? exp : undefined;
}
