import type { QueryRunner } from 'typeorm';

// What a schema already has, so a migration can be run again after failing halfway (MySQL DDL is
// not transactional) without MariaDB-only `IF NOT EXISTS` clauses on columns and indexes.

export async function hasColumn(queryRunner: QueryRunner, table: string, column: string): Promise<boolean> {
  // QueryRunner.query answers `any`; a SELECT answers an array of rows.
  const rows = (await queryRunner.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
    [table, column],
  )) as unknown[];
  return rows.length > 0;
}

export async function hasIndex(queryRunner: QueryRunner, table: string, index: string): Promise<boolean> {
  const rows = (await queryRunner.query(
    'SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?',
    [table, index],
  )) as unknown[];
  return rows.length > 0;
}
