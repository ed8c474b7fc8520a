import { Injectable } from '@nestjs/common';
import { AppError, pageOf, type PageQuery } from '@catalogue/shared';
import { UsersRepository, type NewUser, type UserView } from './users.repository';

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

  /** Idempotent: users are keyed by email. */
  ensureUsers(users: NewUser[]): Promise<number> {
    return this.users.insertMissing(users);
  }

  async list(page: PageQuery, path: string): Promise<{ items: UserView[]; link?: string }> {
    return pageOf(await this.users.listAfter(page.after ?? 0, page.limit + 1), page, path);
  }
}
