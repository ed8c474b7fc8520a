import type { Identity, TokenVerifier } from '@catalogue/shared';
import type { AdminUsersClient } from './users.client';

/**
 * Who is calling: the subject and role of a verified bearer token, and nothing the client says
 * otherwise (body, query or custom headers). Only with DEV_RANDOM_USER (development; production
 * refuses it) does a request without a token become a random customer from admin, as the old
 * system did.
 */
export class UsersService {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly admin: AdminUsersClient,
    private readonly devRandomUser: boolean,
  ) {}

  async identify(authorization: string | undefined): Promise<Identity> {
    if (this.devRandomUser && authorization === undefined) return { subject: await this.admin.randomUserId(), role: 'customer' };
    return this.verifier.verify(authorization);
  }
}
