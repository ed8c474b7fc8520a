import mysql from 'mysql2/promise';
import type { ProvisionStep } from '@catalogue/shared';
import { ensureDatabaseUser, ensureSchema, MIGRATION_PRIVILEGES, RUNTIME_PRIVILEGES } from '../runtime-users';
import type { ProvisionConfig } from './config';

/**
 * The database half of provisioning, as an administrator: each service's schema and its run-time
 * user (rows of its own schema only), and the migration user (DDL on both schemas) when one is
 * named. Migrations then run as that migration user (`npm run migrate`), never as the administrator.
 */
export async function provisionDatabase(config: NonNullable<ProvisionConfig['database']>): Promise<ProvisionStep[]> {
  const connection = await mysql.createConnection({
    host: config.host,
    port: config.port,
    user: config.admin.user,
    password: config.admin.password,
    connectTimeout: 10_000,
  });
  const steps: ProvisionStep[] = [];
  try {
    for (const schema of config.schemas) {
      steps.push({ what: `database ${schema.name}`, action: await ensureSchema(connection, schema.name) });
      steps.push({
        what: `database user ${schema.user.name}`,
        action: await ensureDatabaseUser(connection, schema.user, { privileges: RUNTIME_PRIVILEGES, databases: [schema.name] }),
      });
    }
    if (config.migrationUser) {
      const databases = config.schemas.map((s) => s.name);
      steps.push({
        what: `database user ${config.migrationUser.name} (migrations)`,
        action: await ensureDatabaseUser(connection, config.migrationUser, { privileges: MIGRATION_PRIVILEGES, databases }),
      });
    }
  } finally {
    await connection.end();
  }
  return steps;
}
