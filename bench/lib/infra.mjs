// Databases and a broker namespace of the bench's own (fresh names), so a run never touches the
// development schemas or another session's tests; dropped at the end.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { migrateSchema } from '@catalogue/migrations';
import { createTestDatabase, createTestNamespace, TEST_DB, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';

export const RABBITMQ_URL = TEST_RABBITMQ_URL;

export async function createSchemas() {
  const [main, admin, calibration] = await Promise.all([
    createTestDatabase('bmain'),
    createTestDatabase('badmin'),
    createTestDatabase('bcal'),
  ]);
  await Promise.all([
    migrateSchema('main', main.credentials),
    migrateSchema('admin', admin.credentials),
    migrateSchema('main', calibration.credentials),
  ]);
  return {
    main,
    admin,
    calibration,
    async drop() {
      await Promise.allSettled([main.drop(), admin.drop(), calibration.drop()]);
    },
  };
}

export function createNamespace() {
  return createTestNamespace();
}

/** A small pool for the bench's own reads (counts, polling); never on the services' hot path. */
export function observerPool(database, connectionLimit = 2) {
  return mysql.createPool({ ...TEST_DB, database: database.credentials.database, connectionLimit, enableKeepAlive: true });
}

export async function scalar(pool, sql, params = []) {
  const [rows] = await pool.query(sql, params);
  const row = rows[0];
  return row ? Number(Object.values(row)[0]) : 0;
}

/**
 * The pids of the shared MariaDB and RabbitMQ servers, for CPU accounting: MariaDB names its pid
 * file (`@@pid_file`), RabbitMQ's management API its node's `os_pid`. Either is left out (with the
 * reason) when it cannot be read; the bench never signals these processes.
 */
export async function sharedServerPids(pool) {
  const pids = {};
  const missing = {};
  try {
    const [[row]] = await pool.query('SELECT @@pid_file AS file');
    pids.mariadbd = Number(readFileSync(row.file, 'utf8').trim());
  } catch (err) {
    missing.mariadbd = err.message;
  }
  try {
    const broker = new URL(RABBITMQ_URL);
    const auth = Buffer.from(
      `${decodeURIComponent(broker.username || 'guest')}:${decodeURIComponent(broker.password || 'guest')}`,
    ).toString('base64');
    const res = await fetch(`http://${broker.hostname}:15672/api/nodes`, {
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(3000),
    });
    if (!res.ok) throw new Error(`management API answered ${res.status}`);
    const nodes = await res.json();
    const pid = Number(nodes.find((n) => n.running)?.os_pid);
    if (!pid) throw new Error('no running node with an os_pid');
    pids.rabbitmq = pid;
  } catch (err) {
    missing.rabbitmq = err.message;
  }
  return { pids, missing };
}
