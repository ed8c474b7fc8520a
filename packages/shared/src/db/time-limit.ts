import type { DataSource } from 'typeorm';
import { AppError } from '../http/errors';

/**
 * A time limit on one SELECT, the same way on both servers we run: MariaDB (development, tests)
 * has `SET STATEMENT max_statement_time=<seconds> FOR ...`, which MySQL rejects; MySQL 8
 * (production) has the `MAX_EXECUTION_TIME(<ms>)` optimizer hint, which MariaDB 10.11 ignores as a
 * comment. The server's flavour is read once per data source.
 */
export type ServerFlavour = 'mariadb' | 'mysql';

const flavours = new WeakMap<DataSource, Promise<ServerFlavour>>();

export function serverFlavour(dataSource: DataSource): Promise<ServerFlavour> {
  let known = flavours.get(dataSource);
  if (!known) {
    known = (dataSource.query('SELECT VERSION() AS version') as Promise<{ version: string }[]>).then((rows) =>
      /mariadb/i.test(String(rows[0]?.version)) ? 'mariadb' : 'mysql',
    );
    // A failed look-up (database down) is asked again next time, never remembered.
    known.catch(() => flavours.delete(dataSource));
    flavours.set(dataSource, known);
  }
  return known;
}

/** The statement with its time limit, written for the server's flavour. */
export function withTimeLimit(sql: string, flavour: ServerFlavour, limitMs: number): string {
  if (!/^SELECT\s/i.test(sql)) throw new Error('only a SELECT takes a time limit');
  const ms = Math.max(1, Math.round(limitMs));
  return flavour === 'mariadb'
    ? `SET STATEMENT max_statement_time=${(ms / 1000).toFixed(3)} FOR ${sql}`
    : sql.replace(/^SELECT\s/i, `SELECT /*+ MAX_EXECUTION_TIME(${ms}) */ `);
}

/** MariaDB's ER_STATEMENT_TIMEOUT and MySQL's ER_QUERY_TIMEOUT. */
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

export function isStatementTimeout(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const e = current as { errno?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof e.errno === 'number' && TIMEOUT_ERRNOS.has(e.errno)) return true;
    current = e.driverError ?? e.cause;
  }
  return false;
}

export const searchTimedOut = () =>
  new AppError(503, 'search_timed_out', 'the search took too long and was stopped; try fewer words, or longer ones');

/** Runs a SELECT that the server stops after `limitMs`; a stopped one is a 503 `search_timed_out`, never a 500. */
export async function queryWithTimeLimit<T>(
  dataSource: DataSource,
  statement: { sql: string; params: unknown[] },
  limitMs: number,
): Promise<T[]> {
  const flavour = await serverFlavour(dataSource);
  try {
    return (await dataSource.query(withTimeLimit(statement.sql, flavour, limitMs), statement.params)) as T[];
  } catch (err) {
    if (isStatementTimeout(err)) throw searchTimedOut();
    throw err;
  }
}
