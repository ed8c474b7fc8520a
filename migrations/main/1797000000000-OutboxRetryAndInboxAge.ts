import type { MigrationInterface, QueryRunner } from 'typeorm';
import { hasColumn, hasIndex } from '../schema-facts';

/**
 * The messaging tables' part of decision record 0011, in both schemas:
 * - outbox rows the broker returned unroutable wait for their own retry time (`next_attempt_at`,
 *   with `attempts` for the backoff) instead of blocking the rows behind them; the index finds the
 *   due rows without walking past a pile of parked ones;
 * - the inbox is pruned by age, so `processed_at` gets an index.
 * Each ALTER applies whole or not at all, and each is skipped when already there: re-runnable.
 */
export async function addOutboxRetryAndInboxAge(queryRunner: QueryRunner): Promise<void> {
  if (!(await hasColumn(queryRunner, 'outbox', 'next_attempt_at'))) {
    await queryRunner.query(`
      ALTER TABLE outbox
        ADD COLUMN attempts INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'times the broker returned it unroutable',
        ADD COLUMN next_attempt_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'the relay claims it only from then on',
        ADD INDEX outbox_due (next_attempt_at)`);
  }
  if (!(await hasIndex(queryRunner, 'processed_events', 'processed_events_age'))) {
    await queryRunner.query('ALTER TABLE processed_events ADD INDEX processed_events_age (processed_at)');
  }
}

export async function dropOutboxRetryAndInboxAge(queryRunner: QueryRunner): Promise<void> {
  if (await hasIndex(queryRunner, 'processed_events', 'processed_events_age')) {
    await queryRunner.query('ALTER TABLE processed_events DROP INDEX processed_events_age');
  }
  if (await hasColumn(queryRunner, 'outbox', 'next_attempt_at')) {
    await queryRunner.query('ALTER TABLE outbox DROP INDEX outbox_due, DROP COLUMN next_attempt_at, DROP COLUMN attempts');
  }
}

export class OutboxRetryAndInboxAgeMain1797000000000 implements MigrationInterface {
  name = 'OutboxRetryAndInboxAgeMain1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await addOutboxRetryAndInboxAge(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropOutboxRetryAndInboxAge(queryRunner);
  }
}
