import type { MigrationInterface, QueryRunner } from 'typeorm';
import { hasColumn } from '../schema-facts';

/**
 * Users sign in at admin: an argon2id hash (NULL: the user cannot sign in) and a role. Written to
 * be re-runnable (MySQL DDL is not transactional) without MariaDB-only `ADD COLUMN IF NOT EXISTS`.
 */
export class UserCredentials1733000000000 implements MigrationInterface {
  name = 'UserCredentials1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await hasColumn(queryRunner, 'users', 'password_hash'))) {
      await queryRunner.query('ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NULL AFTER name');
    }
    if (!(await hasColumn(queryRunner, 'users', 'role'))) {
      await queryRunner.query(
        "ALTER TABLE users ADD COLUMN role ENUM('staff', 'customer') NOT NULL DEFAULT 'customer' AFTER password_hash",
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await hasColumn(queryRunner, 'users', 'role')) await queryRunner.query('ALTER TABLE users DROP COLUMN role');
    if (await hasColumn(queryRunner, 'users', 'password_hash')) await queryRunner.query('ALTER TABLE users DROP COLUMN password_hash');
  }
}
