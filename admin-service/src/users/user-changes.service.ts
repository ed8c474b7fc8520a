import { Inject, Injectable } from '@nestjs/common';
import {
  addToOutbox,
  AppError,
  createEvent,
  createTransactionRunner,
  EventTypes,
  ServiceMessaging,
  type Logger,
  type Role,
  type TransactionRunner,
} from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { LOGGER } from '../common/tokens';
import { UserAccessService } from './user-access.service';
import { UsersRepository, type UserView } from './users.repository';

export interface UserPatch {
  role?: Role;
  disabled?: boolean;
}

/**
 * Staff change a user's role or disable them. The change, the raised token version and the
 * `user_changed` event commit together (the outbox), so main learns it whatever happens next.
 */
@Injectable()
export class UserChangesService {
  private readonly runInTransaction: TransactionRunner;

  constructor(
    private readonly users: UsersRepository,
    private readonly access: UserAccessService,
    private readonly messaging: ServiceMessaging,
    dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.runInTransaction = createTransactionRunner(dataSource, { idempotent: false });
  }

  async change(actorSubject: string, id: number, patch: UserPatch): Promise<UserView> {
    // Nobody locks themselves out (or demotes the last staff account by accident): another staff member must.
    if (actorSubject === String(id))
      throw new AppError(409, 'own_account', 'staff cannot change their own role or disable themselves; ask another staff member');
    const outcome = await this.runInTransaction(async (tx) => {
      const user = await this.users.lockForChange(tx, id);
      if (!user) return undefined;
      const next = { role: patch.role ?? user.role, disabled: patch.disabled ?? user.disabled };
      if (next.role === user.role && next.disabled === user.disabled) return { view: user, changed: false };
      const tokenVersion = await this.users.applyChange(tx, id, next);
      await addToOutbox(
        tx,
        createEvent(EventTypes.UserChanged, { userId: String(id), role: next.role, disabled: next.disabled, tokenVersion }),
      );
      return { view: { ...user, ...next }, changed: true };
    });
    if (!outcome) throw AppError.notFound(`user ${id}`);
    if (outcome.changed) {
      this.access.forget(id);
      this.messaging.announce();
      this.logger.info(
        { userId: id, role: outcome.view.role, disabled: outcome.view.disabled, by: actorSubject },
        'user changed: earlier tokens revoked',
      );
    }
    const { id: userId, email, name, role, disabled } = outcome.view;
    return { id: userId, email, name, role, disabled };
  }
}
