import mysql from 'mysql2/promise';
import { z } from 'zod';
import { loadConfig, portVar } from '@catalogue/shared';
import { ensureRuntimeUser } from './runtime-users';

/**
 * Creates the two databases and their run-time users for local development (idempotent).
 * Each service's user reaches only its own schema, with the privileges it needs at run time.
 */
const schema = z.object({
  MIGRATION_DB_HOST: z.string().min(1).default('127.0.0.1'),
  MIGRATION_DB_PORT: portVar(3306),
  MIGRATION_DB_USER: z.string().min(1).default('root'),
  MIGRATION_DB_PASSWORD: z.string().default(''),
  MAIN_DB_NAME: z.string().min(1).default('catalogue_main'),
  ADMIN_DB_NAME: z.string().min(1).default('catalogue_admin'),
  MAIN_DB_USER: z.string().min(1).default('catalogue_main'),
  MAIN_DB_PASSWORD: z.string().min(1).default('main-dev-password'),
  ADMIN_DB_USER: z.string().min(1).default('catalogue_admin'),
  ADMIN_DB_PASSWORD: z.string().min(1).default('admin-dev-password'),
});

async function run(): Promise<void> {
  const config = loadConfig(schema, process.env);
  const connection = await mysql.createConnection({
    host: config.MIGRATION_DB_HOST,
    port: config.MIGRATION_DB_PORT,
    user: config.MIGRATION_DB_USER,
    password: config.MIGRATION_DB_PASSWORD,
  });
  try {
    for (const [database, user, password] of [
      [config.MAIN_DB_NAME, config.MAIN_DB_USER, config.MAIN_DB_PASSWORD],
      [config.ADMIN_DB_NAME, config.ADMIN_DB_USER, config.ADMIN_DB_PASSWORD],
    ] as const) {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await ensureRuntimeUser(connection, database, user, password);
      console.log(`database ${database}: ready for user ${user}`);
    }
  } finally {
    await connection.end();
  }
}

run().catch((err: unknown) => {
  console.error(`setup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
