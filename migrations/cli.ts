import { z } from 'zod';
import { loadConfig, portVar } from '@catalogue/shared';
import { migrateSchema, type SchemaName } from './index';

/**
 * `npm run migrate`: applies both schemas' migrations as the migration user (stronger than the
 * services' run-time users). Run once per deploy as its own step, never from every replica.
 */
const schema = z.object({
  MIGRATION_DB_HOST: z.string().min(1).default('127.0.0.1'),
  MIGRATION_DB_PORT: portVar(3306),
  MIGRATION_DB_USER: z.string().min(1).default('root'),
  MIGRATION_DB_PASSWORD: z.string().default(''),
  MAIN_DB_NAME: z.string().min(1).default('catalogue_main'),
  ADMIN_DB_NAME: z.string().min(1).default('catalogue_admin'),
  MIGRATE_SCHEMAS: z.string().default('main,admin'),
});

async function run(): Promise<void> {
  const config = loadConfig(schema, process.env);
  const wanted = config.MIGRATE_SCHEMAS.split(',')
    .map((s) => s.trim())
    .filter(Boolean) as SchemaName[];
  for (const name of wanted) {
    const database = name === 'main' ? config.MAIN_DB_NAME : config.ADMIN_DB_NAME;
    const applied = await migrateSchema(name, {
      host: config.MIGRATION_DB_HOST,
      port: config.MIGRATION_DB_PORT,
      user: config.MIGRATION_DB_USER,
      password: config.MIGRATION_DB_PASSWORD,
      database,
    });
    console.log(applied.length === 0 ? `${name} (${database}): up to date` : `${name} (${database}): applied ${applied.join(', ')}`);
  }
}

run().catch((err: unknown) => {
  console.error(`migrate failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
