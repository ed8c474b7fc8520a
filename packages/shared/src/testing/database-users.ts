import mysql from 'mysql2/promise';
import { TEST_DB, uniqueName } from './index';

const HOSTS = ['localhost', '127.0.0.1', '%'];

export interface TestDatabaseUser {
  name: string;
  /** As a rotation would: the user's password changes; its open connections stay logged in. */
  setPassword(password: string): Promise<void>;
  /** Ids of the server connections logged in as this user. */
  connectionIds(): Promise<number[]>;
  /** KILLs every connection logged in as this user (as a failover or a restart would). */
  killConnections(): Promise<number[]>;
  drop(): Promise<void>;
}

async function asRoot<T>(work: (root: mysql.Connection) => Promise<T>): Promise<T> {
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    return await work(root);
  } finally {
    await root.end();
  }
}

/**
 * A database user of its own for one test (a unique name, never an existing user), with row
 * privileges on one database, like a service's run-time user. Drop it afterwards.
 */
export async function createTestDatabaseUser(database: string, password: string, prefix = 'tu_'): Promise<TestDatabaseUser> {
  const name = uniqueName(prefix);
  await asRoot(async (root) => {
    for (const host of HOSTS) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [name, host, password]);
      await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database.replace(/`/g, '``')}\`.* TO ?@?`, [name, host]);
    }
  });
  const connectionIds = () =>
    asRoot(async (root) => {
      const [rows] = await root.query<mysql.RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [name]);
      return rows.map((row) => Number(row.id));
    });
  return {
    name,
    setPassword: (next) =>
      asRoot(async (root) => {
        for (const host of HOSTS) await root.query('ALTER USER ?@? IDENTIFIED BY ?', [name, host, next]);
      }),
    connectionIds,
    killConnections: () =>
      asRoot(async (root) => {
        const [rows] = await root.query<mysql.RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [
          name,
        ]);
        const ids = rows.map((row) => Number(row.id));
        for (const id of ids) await root.query('KILL CONNECTION ?', [id]).catch(() => undefined);
        return ids;
      }),
    drop: () =>
      asRoot(async (root) => {
        for (const host of HOSTS) await root.query('DROP USER IF EXISTS ?@?', [name, host]);
      }),
  };
}
