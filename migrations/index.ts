import { DataSource } from 'typeorm';
import { InitialAdminSchema1732000000000 } from './admin/1732000000000-InitialAdminSchema';
import { AppliedLikesAndInboxAge1797000000000 } from './admin/1797000000000-AppliedLikesAndInboxAge';
import { ProductSearchAdmin1796032504000 } from './admin/1796032504000-ProductSearch';
import { UnlikeTombstones1798200000000 } from './admin/1798200000000-UnlikeTombstones';
import { UserCredentials1733000000000 } from './admin/1733000000000-UserCredentials';
import { InitialMainSchema1732000000000 } from './main/1732000000000-InitialMainSchema';
import { ProductSearchMain1796032504000 } from './main/1796032504000-ProductSearch';
import { ProductChanges1796200000000 } from './main/1796200000000-ProductChanges';
import { OutboxRetryAndInboxAgeMain1797000000000 } from './main/1797000000000-OutboxRetryAndInboxAge';
import { UserRevocationsMain1797100000000 } from './main/1797100000000-UserRevocations';
import { UserRevocation1797100000000 } from './admin/1797100000000-UserRevocation';
import { RemovedLikes1798200000000 } from './main/1798200000000-RemovedLikes';

export type SchemaName = 'main' | 'admin';

export const MIGRATIONS: Record<SchemaName, (new () => object)[]> = {
  main: [
    InitialMainSchema1732000000000,
    ProductSearchMain1796032504000,
    ProductChanges1796200000000,
    OutboxRetryAndInboxAgeMain1797000000000,
    UserRevocationsMain1797100000000,
    RemovedLikes1798200000000,
  ],
  admin: [
    InitialAdminSchema1732000000000,
    UserCredentials1733000000000,
    ProductSearchAdmin1796032504000,
    AppliedLikesAndInboxAge1797000000000,
    UserRevocation1797100000000,
    UnlikeTombstones1798200000000,
  ],
};

export interface MigrationTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Applies every pending migration of one schema; a no-op when it is up to date. Returns the names applied. */
export async function migrateSchema(schema: SchemaName, target: MigrationTarget): Promise<string[]> {
  const dataSource = new DataSource({
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    migrations: MIGRATIONS[schema],
    migrationsTableName: 'migrations',
    // MySQL DDL is not transactional; each migration is written to be re-runnable as a whole instead.
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    charset: 'utf8mb4_unicode_ci',
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

export {
  dropRuntimeUser,
  ensureDatabaseUser,
  ensureRuntimeUser,
  ensureSchema,
  MIGRATION_PRIVILEGES,
  RUNTIME_PRIVILEGES,
} from './runtime-users';
export { DEVELOPMENT_PASSWORDS, loadProvisionConfig, type ProvisionConfig } from './provisioning/config';
export { provisionDatabase } from './provisioning/database';
