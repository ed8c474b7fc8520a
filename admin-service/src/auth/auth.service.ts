import { Inject, Injectable } from '@nestjs/common';
import { AppError, type Role } from '@catalogue/shared';
import { ADMIN_CONFIG } from '../common/tokens';
import type { AdminConfig } from '../config';
import { UsersService } from '../users/users.service';
import { passwordMatches } from './passwords';
import { TokensService, type IssuedToken } from './tokens.service';

export interface SignedIn extends IssuedToken {
  user: { id: number; email: string; role: Role };
}

/** One answer for an unknown email and a wrong password, so sign-in never reveals who has an account. */
const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'the email or password is not correct');

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  /** For main's resync: reads the snapshot, nothing else (subject `main-service`). */
  async snapshotReaderToken(): Promise<IssuedToken & { role: 'snapshot-reader' }> {
    return {
      ...(await this.tokens.issue('main-service', 'snapshot-reader', this.config.SNAPSHOT_TOKEN_TTL_SECONDS)),
      role: 'snapshot-reader',
    };
  }

  async login(email: string, password: string): Promise<SignedIn> {
    const user = await this.users.credentialsOf(email);
    const matches = await passwordMatches(password, user?.passwordHash);
    if (!user || !matches) throw invalidCredentials();
    // Told only to someone who knows the password.
    if (user.disabled) throw new AppError(403, 'account_disabled', 'this account is disabled');
    // Staff tokens carry every admin power: they live shorter (JWT_STAFF_TTL_SECONDS).
    const ttl = user.role === 'staff' ? this.config.JWT_STAFF_TTL_SECONDS : this.config.JWT_TTL_SECONDS;
    const issued = await this.tokens.issue(String(user.id), user.role, ttl, user.tokenVersion);
    return { ...issued, user: { id: user.id, email: user.email, role: user.role } };
  }
}
