import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { DataSource, EntityManager } from 'typeorm';
import { isConflictError, isTransientDbError } from './errors';

export interface TransactionRunnerOptions {
  /**
   * True when the work is safe to run twice (it carries its own idempotency key): then a lost
   * connection, whose commit outcome is unknown, is retried too. Otherwise only deadlocks and
   * lock-wait timeouts are, because the server has already rolled those back.
   */
  idempotent: boolean;
  maxAttempts?: number;
  maxDelayMs?: number;
  onRetry?: (err: unknown, attempt: number) => void;
}

export type TransactionRunner = <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T>;

/** Runs whole transactions, retrying transient failures with jittered exponential backoff. */
export function createTransactionRunner(dataSource: DataSource, options: TransactionRunnerOptions): TransactionRunner {
  const shouldRetry = options.idempotent ? isTransientDbError : isConflictError;
  const policy: RetryPolicy = retry(
    handleWhen((err) => shouldRetry(err)),
    {
      maxAttempts: options.maxAttempts ?? 5,
      backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: options.maxDelayMs ?? 1000 }),
    },
  );
  if (options.onRetry) {
    const onRetry = options.onRetry;
    policy.onRetry((event) => onRetry('error' in event ? event.error : undefined, event.attempt));
  }
  return (work) => policy.execute(() => dataSource.transaction(work));
}

/** Affected-row count of an INSERT/UPDATE/DELETE run through `EntityManager.query`. */
export function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) return Number((result as { affectedRows: unknown }).affectedRows);
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  return 0;
}
