import { Inject, Injectable } from '@nestjs/common';
import { AppError, isPersonRole, type Identity } from '@catalogue/shared';
import { ADMIN_CONFIG } from '../common/tokens';
import type { AdminConfig } from '../config';
import { UsersRepository, type TokenState } from './users.repository';

/** Largest number of users whose state is held at once; the oldest go first. */
const MAX_CACHED = 10_000;

export const tokenRevoked = () =>
  new AppError(401, 'token_revoked', 'this token is no longer valid (the account was disabled or its role changed); sign in again');

/**
 * Whether a verified token still speaks for its user: not when the user is disabled, nor when it
 * was issued before the user's last change (its `ver` is below the user's token version). Each
 * user's state is read at most once per USER_STATE_CACHE_MS, so on a replica that did not make the
 * change a revoked token stops working within that time; the replica that made it forgets at once.
 * Subjects that are not admin users (service credentials, tokens an operator minted for `ops`)
 * have no state here and are bounded by their lifetime only.
 */
@Injectable()
export class UserAccessService {
  private readonly states = new Map<number, { state: TokenState | undefined; until: number }>();

  constructor(
    private readonly users: UsersRepository,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  async assertCurrent(identity: Identity): Promise<void> {
    if (!isPersonRole(identity.role) || !/^\d{1,10}$/.test(identity.subject)) return;
    const state = await this.stateOf(Number(identity.subject));
    if (state && (state.disabled || identity.tokenVersion < state.tokenVersion)) throw tokenRevoked();
  }

  /** After a change made here: the next request reads the new state. */
  forget(id: number): void {
    this.states.delete(id);
  }

  private async stateOf(id: number): Promise<TokenState | undefined> {
    const now = Date.now();
    const cached = this.states.get(id);
    if (cached && cached.until > now) return cached.state;
    const state = await this.users.tokenState(id);
    this.states.delete(id);
    if (this.states.size >= MAX_CACHED) this.states.delete(this.states.keys().next().value!);
    this.states.set(id, { state, until: now + this.config.USER_STATE_CACHE_MS });
    return state;
  }
}
