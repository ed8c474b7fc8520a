import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Decision record 0024: a like taken back leaves `likes` (so the person can like again, under a
 * new id) and is kept here under its own id, with the id of the product_unliked event that
 * announced it. Reconcile's repair re-announces a product's removals under those ids, exactly as it
 * re-announces its likes, so an unlike admin missed is applied and one it had is recognised.
 */
export class RemovedLikes1798200000000 implements MigrationInterface {
  name = 'RemovedLikes1798200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS removed_likes (
        like_id CHAR(36) NOT NULL PRIMARY KEY COMMENT 'the like''s id (its product_liked event id)',
        unlike_id CHAR(36) NOT NULL COMMENT 'the product_unliked event id',
        product_id INT UNSIGNED NOT NULL,
        user_id VARCHAR(255) NOT NULL,
        liked_at DATETIME(3) NOT NULL,
        removed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        KEY removed_likes_product (product_id, like_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='likes taken back (unliked), each once'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS removed_likes');
  }
}
