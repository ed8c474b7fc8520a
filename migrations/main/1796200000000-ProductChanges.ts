import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Main's change feed: one row per change to the product copy (applied by the consumer) and per
 * product in each batch of likes, written in the transaction that made the change. Every API
 * replica tails it by id (see main-service/src/products/product-changes.ts); old rows are pruned
 * by age, hence the index on the time.
 */
export class ProductChanges1796200000000 implements MigrationInterface {
  name = 'ProductChanges1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS product_changes (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        product_id INT UNSIGNED NOT NULL,
        kind ENUM('created', 'updated', 'deleted', 'likes') NOT NULL,
        changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        KEY product_changes_by_time (changed_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE product_changes');
  }
}
