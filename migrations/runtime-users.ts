import type { Connection } from 'mysql2/promise';

/** What a service may do at run time: rows only. Schema changes belong to the migration user. */
export const RUNTIME_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

const HOSTS = ['localhost', '127.0.0.1', '%'];

/**
 * Creates (or updates the password of) a service's run-time database user, allowed only row
 * operations on its own schema. Idempotent; `connection` is the stronger setup/migration user.
 */
export async function ensureRuntimeUser(connection: Connection, database: string, user: string, password: string): Promise<void> {
  for (const host of HOSTS) {
    await connection.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, password]);
    await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
    await connection.query(`GRANT ${RUNTIME_PRIVILEGES} ON \`${database.replace(/`/g, '``')}\`.* TO ?@?`, [user, host]);
  }
}

export async function dropRuntimeUser(connection: Connection, user: string): Promise<void> {
  for (const host of HOSTS) await connection.query('DROP USER IF EXISTS ?@?', [user, host]);
}
