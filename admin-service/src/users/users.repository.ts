import { Injectable } from '@nestjs/common';
import { affectedRows } from '@catalogue/shared';
import { DataSource } from 'typeorm';

export interface UserView {
  id: number;
  email: string;
  name: string;
}

export interface NewUser {
  email: string;
  name: string;
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

  /** Keyset page of users by id. */
  async listAfter(afterId: number, limit: number): Promise<UserView[]> {
    const rows: UserView[] = await this.dataSource.query('SELECT id, email, name FROM users WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((r) => ({ id: Number(r.id), email: r.email, name: r.name }));
  }
}
