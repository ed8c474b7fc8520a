import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addOutboxRetryAndInboxAge, dropOutboxRetryAndInboxAge } from '../main/1797000000000-OutboxRetryAndInboxAge';

/**
 * Admin's part of decision record 0011: the outbox retry columns and the inbox age index (as in
 * main), and `applied_likes`, the ids of the likes admin has applied. The inbox forgets after its
 * retention; this table does not, so a like re-announced by reconcile long after it was counted is
 * still recognised. It is part of admin's data (one row per like, like main's `likes`), not of the
 * inbox. Likes applied before it existed are moved in by the inbox pruner before their inbox rows go.
 */
export class AppliedLikesAndInboxAge1797000000000 implements MigrationInterface {
  name = 'AppliedLikesAndInboxAge1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await addOutboxRetryAndInboxAge(queryRunner);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS applied_likes (
        like_id CHAR(36) NOT NULL PRIMARY KEY COMMENT 'the product_liked event id (the like''s id in main)',
        applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='likes admin has applied (counted, or kept in unmatched_likes), each once'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS applied_likes');
    await dropOutboxRetryAndInboxAge(queryRunner);
  }
}
