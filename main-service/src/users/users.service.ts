import type { Identity, TokenVerifier } from '@catalogue/shared';
import type { AdminUsersClient } from './users.client';

/**
 * Who is liking: the subject of a verified bearer token, and nothing the client says otherwise
 * (body, query or custom headers). Only with DEV_RANDOM_USER (development; production refuses it)
 * does a request without a token get a random user from admin, as the old system did.
 */
export class UsersService {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly admin: AdminUsersClient,
    private readonly devRandomUser: boolean,
  ) {}

  /** The verified token's subject, always: for what only a signed-in person may ask (their own likes). */
  async signedIn(authorization: string | undefined): Promise<string> {
    return (await this.verified(authorization)).subject;
  }

  /** The verified token's identity (subject and role); 401 without a valid token. */
  verified(authorization: string | undefined): Promise<Identity> {
    return this.verifier.verify(authorization);
  }

  async identify(authorization: string | undefined): Promise<string> {
    if (this.devRandomUser && authorization === undefined) return this.admin.randomUserId();
    return (await this.verifier.verify(authorization)).subject;
  }
}
