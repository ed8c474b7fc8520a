import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search, sorting and staff filters on admin's product list: a FULLTEXT index on the title,
 * indexes for each keyset order over live products, and one for the created-date range.
 * One ALTER, so it applies whole or not at all.
 */
export class ProductSearchAdmin1796032504000 implements MigrationInterface {
  name = 'ProductSearchAdmin1796032504000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE products
        ADD FULLTEXT INDEX products_title_search (title),
        ADD INDEX products_by_title (deleted_at, title, id),
        ADD INDEX products_by_likes (deleted_at, likes, id),
        ADD INDEX products_by_created (deleted_at, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE products DROP INDEX products_by_created, DROP INDEX products_by_likes, DROP INDEX products_by_title, DROP INDEX products_title_search',
    );
  }
}
