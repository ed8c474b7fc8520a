import mysql, { type Connection } from 'mysql2/promise';
import type { ProvisionAction, ProvisionedUser } from '@catalogue/shared';

/** What a service may do at run time: rows only. Schema changes belong to the migration user. */
export const RUNTIME_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** What the migration user needs on each schema: tables, indexes and TypeORM's migrations table. */
export const MIGRATION_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES';

// 'localhost' too: MariaDB's anonymous ''@'localhost' would otherwise win over user@'%' locally.
const HOSTS = ['localhost', '127.0.0.1', '%'];

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** Creates a schema when it is missing; `connection` may create databases. */
export async function ensureSchema(connection: Connection, database: string): Promise<ProvisionAction> {
  const [rows] = await connection.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
  if ((rows as unknown[]).length > 0) return 'unchanged';
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteName(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return 'created';
}

/**
 * Makes sure a database user exists (for each host form) with `privileges` on `databases`. A
 * missing user is created with its password; an existing one gets a new password only when one
 * was given explicitly and differs from its current one (a login is tried first), so a re-run
 * changes nothing and a development default never resets a password someone set. Idempotent;
 * `connection` is an administrator that may create users and grant.
 */
export async function ensureDatabaseUser(
  connection: Connection,
  user: ProvisionedUser,
  grant: { privileges: string; databases: string[] },
): Promise<ProvisionAction> {
  const [rows] = await connection.query('SELECT Host AS host FROM mysql.user WHERE User = ?', [user.name]);
  const existing = (rows as { host: string }[]).map((r) => r.host);
  if (existing.length === 0 && !user.password)
    throw new Error(`database user ${user.name} does not exist and no password was given to create it`);
  // Tried before any account is added, so the sign-in meets an account that was already there.
  const reset =
    existing.length > 0 && !!user.password && !user.passwordIsDefault && !(await passwordWorks(connection, user.name, user.password));
  const missing = user.password ? HOSTS.filter((host) => !existing.includes(host)) : [];
  for (const host of missing) await connection.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user.name, host, user.password]);
  if (reset) for (const host of existing) await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [user.name, host, user.password]);
  for (const host of [...existing, ...missing]) {
    for (const database of grant.databases)
      await connection.query(`GRANT ${grant.privileges} ON ${quoteName(database)}.* TO ?@?`, [user.name, host]);
  }
  return missing.length > 0 ? 'created' : reset ? 'updated' : 'unchanged';
}

/** Whether the user can sign in with this password on the administrator's server. */
async function passwordWorks(admin: Connection, user: string, password: string): Promise<boolean> {
  const { host, port } = admin.config;
  try {
    const probe = await mysql.createConnection({ host, port, user, password, connectTimeout: 5000 });
    await probe.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates (or updates the password of) a service's run-time database user, allowed only row
 * operations on its own schema. The password counts as given explicitly.
 */
export async function ensureRuntimeUser(
  connection: Connection,
  database: string,
  user: string,
  password: string,
): Promise<ProvisionAction> {
  return ensureDatabaseUser(connection, { name: user, password }, { privileges: RUNTIME_PRIVILEGES, databases: [database] });
}

export async function dropRuntimeUser(connection: Connection, user: string): Promise<void> {
  for (const host of HOSTS) await connection.query('DROP USER IF EXISTS ?@?', [user, host]);
}
