// Databases and a broker namespace of the bench's own (fresh names), so a run never touches the
// development schemas or another session's tests; dropped at the end.
import mysql from 'mysql2/promise';
import { migrateSchema } from '@catalogue/migrations';
import { createTestDatabase, createTestNamespace, TEST_DB, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';

export const RABBITMQ_URL = TEST_RABBITMQ_URL;

export async function createSchemas() {
  const [main, admin, calibration] = await Promise.all([createTestDatabase('bmain'), createTestDatabase('badmin'), createTestDatabase('bcal')]);
  await Promise.all([migrateSchema('main', main.credentials), migrateSchema('admin', admin.credentials), migrateSchema('main', calibration.credentials)]);
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
