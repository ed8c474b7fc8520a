import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff can disable a user or change their role; each change raises `token_version`, which every
 * token carries (`ver`) from sign-in on, so tokens issued before the change stop working.
 * Re-runnable, as MySQL DDL is not transactional.
 */
export class UserRevocation1797100000000 implements MigrationInterface {
  name = 'UserRevocation1797100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await hasColumn(queryRunner, 'users', 'disabled'))) {
      await queryRunner.query('ALTER TABLE users ADD COLUMN disabled TINYINT(1) NOT NULL DEFAULT 0 AFTER role');
    }
    if (!(await hasColumn(queryRunner, 'users', 'token_version'))) {
      await queryRunner.query('ALTER TABLE users ADD COLUMN token_version INT UNSIGNED NOT NULL DEFAULT 0 AFTER disabled');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await hasColumn(queryRunner, 'users', 'token_version')) await queryRunner.query('ALTER TABLE users DROP COLUMN token_version');
    if (await hasColumn(queryRunner, 'users', 'disabled')) await queryRunner.query('ALTER TABLE users DROP COLUMN disabled');
  }
}

async function hasColumn(queryRunner: QueryRunner, table: string, column: string): Promise<boolean> {
  // QueryRunner.query answers `any`; a SELECT answers an array of rows.
  const rows = (await queryRunner.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
    [table, column],
  )) as unknown[];
  return rows.length > 0;
}
