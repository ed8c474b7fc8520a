import { decodeJwt } from 'jose';
import type { Identity, TokenVerifier } from '@catalogue/shared';
import type { AdminUsersClient } from './users.client';
import type { RevokedUsers } from './revocations';
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
    private readonly revoked: Pick<RevokedUsers, 'assertCurrent'>,
  ) {}

  async identify(authorization: string | undefined): Promise<Identity> {
    if (this.devRandomUser && authorization === undefined)
      return { subject: await this.admin.randomUserId(), role: 'customer', tokenVersion: 0 };
    // Keyed by the whole header (signature included): only the very same token hits.
    let identity = authorization === undefined ? undefined : this.verified.get(authorization);
    if (!identity) {
      identity = await this.verifier.verify(authorization);
      this.verified.remember(authorization!, identity, expiryOf(authorization!));
    }
    // Checked on every request, cached token or not: a disabled user's token stops working here.
    await this.revoked.assertCurrent(identity);
    return identity;
  }
}

/** The verified token's `exp` (seconds); verification already required it. */
function expiryOf(authorization: string): number | undefined {
  const exp = decodeJwt(authorization.slice('Bearer '.length)).exp;
  return typeof exp === 'number' ? exp : undefined;
}
