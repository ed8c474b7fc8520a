import { Injectable } from '@nestjs/common';
import { affectedRows, type Role } from '@catalogue/shared';
import { DataSource, type EntityManager } from 'typeorm';

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
}

/** What decides whether a user's token still holds. */
export interface TokenState {
  disabled: boolean;
  tokenVersion: number;
}

export interface NewUser {
  email: string;
  name: string;
}

export interface UserCredentials extends TokenState {
  id: number;
  email: string;
  role: Role;
  passwordHash: string | null;
}

type UserRow = { id: number; email: string; name: string; role: Role; disabled: number | boolean; token_version: number };
const toView = (r: UserRow): UserView => ({
  id: Number(r.id),
  email: r.email,
  name: r.name,
  role: r.role,
  disabled: Boolean(Number(r.disabled)),
});

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async idRange(): Promise<{ min: number; max: number } | undefined> {
    const rows: { min: number | null; max: number | null }[] = await this.dataSource.query(
      'SELECT MIN(id) AS min, MAX(id) AS max FROM users',
    );
    const row = rows[0];
    return row?.min == null || row.max == null ? undefined : { min: Number(row.min), max: Number(row.max) };
  }

  /** The first user whose id is at least `id` (ids may have gaps). */
  async firstFrom(id: number): Promise<number | undefined> {
    const rows: { id: number }[] = await this.dataSource.query('SELECT id FROM users WHERE id >= ? ORDER BY id LIMIT 1', [id]);
    return rows[0]?.id;
  }

  /** Inserts the users whose email is not taken yet; returns how many were new. */
  async insertMissing(users: NewUser[]): Promise<number> {
    if (users.length === 0) return 0;
    const result: unknown = await this.dataSource.query(
      `INSERT IGNORE INTO users (email, name) VALUES ${users.map(() => '(?, ?)').join(', ')}`,
      users.flatMap((u) => [u.email, u.name]),
    );
    return affectedRows(result);
  }

  async findCredentials(email: string): Promise<UserCredentials | undefined> {
    const rows: { id: number; email: string; role: Role; password_hash: string | null; disabled: number; token_version: number }[] =
      await this.dataSource.query('SELECT id, email, role, password_hash, disabled, token_version FROM users WHERE email = ?', [email]);
    const row = rows[0];
    return (
      row && {
        id: Number(row.id),
        email: row.email,
        role: row.role,
        passwordHash: row.password_hash,
        disabled: Boolean(Number(row.disabled)),
        tokenVersion: Number(row.token_version),
      }
    );
  }

  /** Sets a password and role only where none is set yet, so running the seed again changes nothing. */
  async setInitialCredentials(email: string, passwordHash: string, role: Role): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      'UPDATE users SET password_hash = ?, role = ? WHERE email = ? AND password_hash IS NULL',
      [passwordHash, role, email],
    );
    return affectedRows(result) > 0;
  }

  /** Keyset page of users by id. */
  async listAfter(afterId: number, limit: number): Promise<UserView[]> {
    const rows: UserRow[] = await this.dataSource.query(
      'SELECT id, email, name, role, disabled FROM users WHERE id > ? ORDER BY id LIMIT ?',
      [afterId, limit],
    );
    return rows.map(toView);
  }

  async tokenState(id: number): Promise<TokenState | undefined> {
    const rows: { disabled: number; token_version: number }[] = await this.dataSource.query(
      'SELECT disabled, token_version FROM users WHERE id = ?',
      [id],
    );
    const row = rows[0];
    return row && { disabled: Boolean(Number(row.disabled)), tokenVersion: Number(row.token_version) };
  }

  /** The user, locked until the transaction ends, for a change. */
  async lockForChange(tx: EntityManager, id: number): Promise<(UserView & TokenState) | undefined> {
    const rows: UserRow[] = await tx.query('SELECT id, email, name, role, disabled, token_version FROM users WHERE id = ? FOR UPDATE', [
      id,
    ]);
    const row = rows[0];
    return row && { ...toView(row), tokenVersion: Number(row.token_version) };
  }

  /** Sets the role and the disabled flag, and raises the token version so every earlier token stops working. */
  async applyChange(tx: EntityManager, id: number, change: { role: Role; disabled: boolean }): Promise<number> {
    await tx.query('UPDATE users SET role = ?, disabled = ?, token_version = token_version + 1 WHERE id = ?', [
      change.role,
      change.disabled ? 1 : 0,
      id,
    ]);
    const rows: { token_version: number }[] = await tx.query('SELECT token_version FROM users WHERE id = ?', [id]);
    return Number(rows[0]!.token_version);
  }
}
