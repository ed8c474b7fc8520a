import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Main's own copy of the products (fed by admin's events), the likes people give, and the
 * messaging tables: the outbox of likes to announce and the inbox of events already applied.
 */
export class InitialMainSchema1732000000000 implements MigrationInterface {
  name = 'InitialMainSchema1732000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        id INT UNSIGNED NOT NULL PRIMARY KEY,
        title VARCHAR(200) NOT NULL,
        image VARCHAR(2048) NOT NULL,
        likes INT UNSIGNED NOT NULL DEFAULT 0,
        version INT UNSIGNED NOT NULL,
        deleted_at DATETIME(3) NULL COMMENT 'tombstone: a late event cannot resurrect a deleted product',
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        KEY products_live (deleted_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`
      CREATE TABLE likes (
        id CHAR(36) NOT NULL PRIMARY KEY COMMENT 'also the product_liked event id',
        product_id INT UNSIGNED NOT NULL,
        user_id VARCHAR(255) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY likes_once_per_user (product_id, user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await createMessagingTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE processed_events');
    await queryRunner.query('DROP TABLE outbox');
    await queryRunner.query('DROP TABLE likes');
    await queryRunner.query('DROP TABLE products');
  }
}

export async function createMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE outbox (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      event_id CHAR(36) NOT NULL,
      event_type VARCHAR(64) NOT NULL,
      payload MEDIUMTEXT NOT NULL,
      trace_context VARCHAR(1024) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      UNIQUE KEY outbox_event (event_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  await queryRunner.query(`
    CREATE TABLE processed_events (
      event_id CHAR(36) NOT NULL PRIMARY KEY,
      event_type VARCHAR(64) NOT NULL,
      processed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
}
