import type { MigrationInterface, QueryRunner } from 'typeorm';
import { hasColumn } from '../schema-facts';

/**
 * Decision record 0024: admin's like ledger (`applied_likes`, 0011) also records unlikes, by the
 * like's id. `unliked_at` set on a counted like means it was taken back (counted down once); a row
 * that arrives with it already set is a tombstone for a like admin has not seen yet, so that like,
 * when it arrives, is recognised and never counted.
 */
export class UnlikeTombstones1798200000000 implements MigrationInterface {
  name = 'UnlikeTombstones1798200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (await hasColumn(queryRunner, 'applied_likes', 'unliked_at')) return;
    await queryRunner.query(
      "ALTER TABLE applied_likes ADD COLUMN unliked_at DATETIME(3) NULL COMMENT 'when a product_unliked for this like was applied (a tombstone when it came first)'",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await hasColumn(queryRunner, 'applied_likes', 'unliked_at'))
      await queryRunner.query('ALTER TABLE applied_likes DROP COLUMN unliked_at');
  }
}
