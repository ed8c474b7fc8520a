import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { DataSource, EntityManager } from 'typeorm';
import { dbErrorKind, isConflictError, isTransientDbError } from './errors';

/** How a transaction failed: the database kinds of dbErrorKind, or `application` for errors the work threw itself. */
export type TransactionErrorKind = 'conflict' | 'connection' | 'duplicate_key' | 'database' | 'application';

export function transactionErrorKind(err: unknown): TransactionErrorKind {
  const kind = dbErrorKind(err);
  if (kind !== 'other') return kind as TransactionErrorKind;
  const e = (err ?? {}) as { driverError?: unknown; sqlMessage?: unknown; errno?: unknown };
  return e.driverError !== undefined || e.sqlMessage !== undefined || typeof e.errno === 'number' ? 'database' : 'application';
}

/** Where retries and final failures are reported; never throws. */
export interface TransactionObserver {
  retried(kind: TransactionErrorKind, attempt: number): void;
  failed(kind: TransactionErrorKind): void;
}

/** Counts retries and failures by kind, for metrics and tests. */
export class TransactionErrorCounter implements TransactionObserver {
  readonly retries = new Map<TransactionErrorKind, number>();
  readonly failures = new Map<TransactionErrorKind, number>();

  retried(kind: TransactionErrorKind): void {
    this.retries.set(kind, (this.retries.get(kind) ?? 0) + 1);
  }

  failed(kind: TransactionErrorKind): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }
}

/** Every runner in the process reports here unless given its own observer (metrics read it). */
export const transactionErrors = new TransactionErrorCounter();

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
  /** Defaults to the process-wide `transactionErrors`. */
  observer?: TransactionObserver;
}

export type TransactionRunner = <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T>;

/**
 * Runs whole transactions, retrying transient failures with jittered exponential backoff
 * (cockatiel's default decorrelated jitter). Every other error is classified, counted and
 * rethrown as it was: nothing is swallowed.
 */
export function createTransactionRunner(dataSource: DataSource, options: TransactionRunnerOptions): TransactionRunner {
  const shouldRetry = options.idempotent ? isTransientDbError : isConflictError;
  const policy: RetryPolicy = retry(
    handleWhen((err) => shouldRetry(err)),
    {
      maxAttempts: options.maxAttempts ?? 5,
      backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: options.maxDelayMs ?? 1000 }),
    },
  );
  const observer = options.observer ?? transactionErrors;
  policy.onRetry((event) => {
    const err = 'error' in event ? event.error : undefined;
    observer.retried(transactionErrorKind(err), event.attempt);
    options.onRetry?.(err, event.attempt);
  });
  return async (work) => {
    try {
      return await policy.execute(() => dataSource.transaction(work));
    } catch (err) {
      observer.failed(transactionErrorKind(err));
      throw err;
    }
  };
}

/** Affected-row count of an INSERT/UPDATE/DELETE run through `EntityManager.query`. */
export function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) return Number((result as { affectedRows: unknown }).affectedRows);
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  return 0;
}
