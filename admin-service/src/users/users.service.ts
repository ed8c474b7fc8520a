import { Injectable } from '@nestjs/common';
import { AppError, pageOf, type PageQuery, type Role } from '@catalogue/shared';
import { hashPassword } from '../auth/passwords';
import { UsersRepository, type NewUser, type UserCredentials, type UserView } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  /** Any existing user: two indexed lookups instead of ORDER BY RAND() over the whole table. */
  async randomUserId(): Promise<number> {
    const range = await this.users.idRange();
    if (!range) throw AppError.notFound('a user');
    const pick = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
    const id = await this.users.firstFrom(pick);
    if (id === undefined) throw AppError.notFound('a user');
    return id;
  }

  /** Idempotent: users are keyed by email; a password and role are set only where none is yet. */
  async ensureUsers(users: (NewUser & { password?: string; role?: Role })[]): Promise<number> {
    const created = await this.users.insertMissing(users.map(({ email, name }) => ({ email, name })));
    for (const user of users) {
      if (user.password) await this.users.setInitialCredentials(user.email, await hashPassword(user.password), user.role ?? 'customer');
    }
    return created;
  }

  /** The sign-in record for an email (compared case-insensitively by the column's collation). */
  credentialsOf(email: string): Promise<UserCredentials | undefined> {
    return this.users.findCredentials(email);
  }

  async list(page: PageQuery, path: string): Promise<{ items: UserView[]; link?: string }> {
    return pageOf(await this.users.listAfter(page.after ?? 0, page.limit + 1), page, path);
  }
}
