import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

// Hot write paths (a batch of likes in main, the outbox relay, a consumer batch) send several short
// statements per transaction. On this kind of machine each round trip is a wake-up of the database
// and of the service, which costs more than the statement itself, so these paths send the opening of
// the transaction with its first statements and the COMMIT with its last ones, as one multi-statement
// query each (the pools allow it: see data-source.ts). Decision record 0025.

/** One statement and its parameters (placeholders `?`, escaped by the driver as for any query). */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ';

/** An open transaction on a connection of its own, as `openTransaction` gave it. */
export interface OpenTransaction {
  /** For statements sent one at a time (handlers that take an EntityManager). */
  readonly manager: EntityManager;
  /** Sends the statements in one round trip, inside the transaction; each one's result, in order. */
  run(statements: readonly Statement[]): Promise<unknown[]>;
  /** Sends the statements and the COMMIT in one round trip; each statement's result, in order. */
  commit(statements?: readonly Statement[]): Promise<unknown[]>;
}

/**
 * Opens a transaction with its first statements in one round trip (`SET TRANSACTION ISOLATION
 * LEVEL` too, when asked), hands it to `work` with their results, and rolls it back unless `work`
 * committed it. Nothing is retried here: callers keep their own retry or fallback path.
 *
 * A failure of the COMMIT's round trip leaves the outcome unknown (the connection may have died
 * after the server committed): such an error is marked `commitOutcomeUnknown`, for callers that
 * must find out what is stored before they try again.
 */
export async function inFewRoundTrips<T>(
  dataSource: DataSource,
  options: { isolation?: IsolationLevel; opening: readonly Statement[] },
  work: (opened: unknown[], tx: OpenTransaction) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  // An object, not a `let`: the commit below changes it from inside a closure.
  const at: { state: 'opening' | 'open' | 'committing' | 'done' } = { state: 'opening' };
  const tx: OpenTransaction = {
    manager: runner.manager,
    run: (statements) => send(runner, statements),
    async commit(statements = []) {
      at.state = 'committing';
      try {
        const results = await send(runner, [...statements, { sql: 'COMMIT' }]);
        at.state = 'done';
        return results.slice(0, statements.length);
      } catch (err) {
        throw markCommitOutcomeUnknown(err);
      }
    },
  };
  try {
    const prefix: Statement[] = [
      ...(options.isolation ? [{ sql: `SET TRANSACTION ISOLATION LEVEL ${options.isolation}` }] : []),
      { sql: 'START TRANSACTION' },
    ];
    const opened = await send(runner, [...prefix, ...options.opening]);
    at.state = 'open';
    return await work(opened.slice(prefix.length), tx);
  } finally {
    // A broken COMMIT round trip is not rolled back: its connection is closed (the server rolls back
    // whatever it had not committed), so nothing half-finished goes back to the pool.
    if (at.state !== 'done') await rollBackAndRelease(runner, at.state === 'committing');
    else await runner.release();
  }
}

/**
 * Sends statements in one round trip and returns each one's result, in order. A pool that does not
 * allow several statements per query (one not made by createDataSourceOptions) gets them one at a
 * time: the same effect, only slower.
 */
export async function runStatements(manager: EntityManager, statements: readonly Statement[]): Promise<unknown[]> {
  if (statements.length === 0) return [];
  if (statements.length === 1 || !allowsMultipleStatements(manager)) {
    const results: unknown[] = [];
    for (const { sql, params } of statements) results.push(await manager.query(sql, params as unknown[]));
    return results;
  }
  const result: unknown = await manager.query(
    statements.map((s) => s.sql).join(';\n'),
    statements.flatMap((s) => s.params ?? []),
  );
  return result as unknown[];
}

function allowsMultipleStatements(manager: EntityManager): boolean {
  return (manager.connection.options as { multipleStatements?: boolean }).multipleStatements === true;
}

function send(runner: QueryRunner, statements: readonly Statement[]): Promise<unknown[]> {
  return runStatements(runner.manager, statements);
}

/**
 * Rolls back and gives the connection back; a connection whose ROLLBACK failed (or whose COMMIT
 * round trip broke) is closed instead, so no half-finished transaction goes back to the pool.
 */
async function rollBackAndRelease(runner: QueryRunner, discard: boolean): Promise<void> {
  let healthy = !discard;
  if (healthy) {
    try {
      await runner.query('ROLLBACK');
    } catch {
      healthy = false;
    }
  }
  if (!healthy) {
    const connection = (runner as unknown as { databaseConnection?: { destroy?: () => void } }).databaseConnection;
    try {
      connection?.destroy?.();
    } catch {
      // Already gone.
    }
    (runner as unknown as { databaseConnection?: unknown }).databaseConnection = undefined;
  }
  await runner.release().catch(() => undefined);
}

export interface CommitOutcomeUnknown {
  commitOutcomeUnknown: true;
}

function markCommitOutcomeUnknown(err: unknown): unknown {
  if (err && typeof err === 'object') (err as Partial<CommitOutcomeUnknown>).commitOutcomeUnknown = true;
  return err;
}

/** True for an error of a COMMIT round trip: the transaction may have committed. */
export function isCommitOutcomeUnknown(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as Partial<CommitOutcomeUnknown>).commitOutcomeUnknown === true;
}
