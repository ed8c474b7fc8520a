import { Injectable } from '@nestjs/common';
import { affectedRows, type Role } from '@catalogue/shared';
import { DataSource } from 'typeorm';

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: Role;
}

export interface NewUser {
  email: string;
  name: string;
}

export interface UserCredentials {
  id: number;
  email: string;
  role: Role;
  passwordHash: string | null;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async idRange(): Promise<{ min: number; max: number } | undefined> {
    const rows: { min: number | null; max: number | null }[] = await this.dataSource.query('SELECT MIN(id) AS min, MAX(id) AS max FROM users');
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
    const result = await this.dataSource.query(
      `INSERT IGNORE INTO users (email, name) VALUES ${users.map(() => '(?, ?)').join(', ')}`,
      users.flatMap((u) => [u.email, u.name]),
    );
    return affectedRows(result);
  }

  async findCredentials(email: string): Promise<UserCredentials | undefined> {
    const rows: { id: number; email: string; role: Role; password_hash: string | null }[] = await this.dataSource.query(
      'SELECT id, email, role, password_hash FROM users WHERE email = ?',
      [email],
    );
    const row = rows[0];
    return row && { id: Number(row.id), email: row.email, role: row.role, passwordHash: row.password_hash };
  }

  /** Sets a password and role only where none is set yet, so running the seed again changes nothing. */
  async setInitialCredentials(email: string, passwordHash: string, role: Role): Promise<boolean> {
    const result = await this.dataSource.query('UPDATE users SET password_hash = ?, role = ? WHERE email = ? AND password_hash IS NULL', [passwordHash, role, email]);
    return affectedRows(result) > 0;
  }

  /** Keyset page of users by id. */
  async listAfter(afterId: number, limit: number): Promise<UserView[]> {
    const rows: UserView[] = await this.dataSource.query('SELECT id, email, name, role FROM users WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((r) => ({ id: Number(r.id), email: r.email, name: r.name, role: r.role }));
  }
}
