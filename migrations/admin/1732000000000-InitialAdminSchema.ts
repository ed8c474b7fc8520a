import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../main/1732000000000-InitialMainSchema';

/**
 * Admin's products (the source of truth, soft-deleted so an id is never reused), its users, likes
 * that name a product admin does not know, and the messaging tables.
 */
export class InitialAdminSchema1732000000000 implements MigrationInterface {
  name = 'InitialAdminSchema1732000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        title VARCHAR(200) NOT NULL,
        image VARCHAR(2048) NOT NULL,
        likes INT UNSIGNED NOT NULL DEFAULT 0,
        version INT UNSIGNED NOT NULL DEFAULT 1,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        deleted_at DATETIME(3) NULL,
        KEY products_live (deleted_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE users (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        email VARCHAR(255) NOT NULL,
        name VARCHAR(200) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY users_email (email)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE unmatched_likes (
        event_id CHAR(36) NOT NULL PRIMARY KEY,
        product_id INT UNSIGNED NOT NULL,
        user_id VARCHAR(255) NOT NULL,
        received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        KEY unmatched_likes_product (product_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='likes for products admin does not know (or no longer has)'`);
    await createMessagingTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE processed_events');
    await queryRunner.query('DROP TABLE outbox');
    await queryRunner.query('DROP TABLE unmatched_likes');
    await queryRunner.query('DROP TABLE users');
    await queryRunner.query('DROP TABLE products');
  }
}
