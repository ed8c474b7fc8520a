import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search and sorting on main's public product list: a FULLTEXT index on the title, and indexes
 * that serve each keyset order over live products. One ALTER, so it applies whole or not at all.
 */
export class ProductSearchMain1796032504000 implements MigrationInterface {
  name = 'ProductSearchMain1796032504000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE products
        ADD FULLTEXT INDEX products_title_search (title),
        ADD INDEX products_by_title (deleted_at, title, id),
        ADD INDEX products_by_likes (deleted_at, likes, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE products DROP INDEX products_by_likes, DROP INDEX products_by_title, DROP INDEX products_title_search',
    );
  }
}
