import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What main knows of users admin changed (from `user_changed` events): a token whose `ver` is
 * below `token_version`, or any token of a disabled user, is refused. `changed_at` lets each API
 * process read only recent changes every second.
 */
export class UserRevocationsMain1797100000000 implements MigrationInterface {
  name = 'UserRevocationsMain1797100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS user_revocations (
        user_id VARCHAR(64) NOT NULL PRIMARY KEY,
        token_version INT UNSIGNED NOT NULL,
        disabled TINYINT(1) NOT NULL,
        changed_at DATETIME(3) NOT NULL,
        INDEX user_revocations_changed (changed_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS user_revocations');
  }
}
