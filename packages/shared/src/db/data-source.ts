import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { DatabaseCredentials } from '../config/secrets';
import { rotatingMysqlDriver, type RotationOptions } from './rotating-pool';

export interface DataSourceSettings {
  credentials: DatabaseCredentials;
  poolSize: number;
  /** Credentials from a secret that may rotate: the pool follows them (db/rotating-pool.ts). */
  rotation?: RotationOptions;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  migrations?: DataSourceOptions['migrations'];
}

/**
 * TypeORM over a mysql2 pool with bounded waits: a database that is down answers an error within
 * seconds instead of queueing requests forever.
 */
export function createDataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  const { credentials } = settings;
  return {
    type: 'mysql',
    host: credentials.host,
    port: credentials.port,
    username: credentials.user,
    password: credentials.password,
    database: credentials.database,
    // TypeORM's documented hook for the mysql2 module; without rotation, mysql2 itself.
    ...(settings.rotation ? { driver: rotatingMysqlDriver(settings.rotation) } : {}),
    entities: settings.entities ?? [],
    migrations: settings.migrations ?? [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    poolSize: settings.poolSize,
    connectTimeout: 5000,
    // The hot write paths send a transaction's opening and its COMMIT with their statements
    // (db/round-trips.ts, decision 0025). Every statement is a constant with `?` placeholders.
    multipleStatements: true,
    extra: {
      waitForConnections: true,
      queueLimit: 1000,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10000,
      maxIdle: settings.poolSize,
      idleTimeout: 60000,
    },
  } as DataSourceOptions;
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(createDataSourceOptions(settings));
}

/** A cheap round trip to the database, for health checks. */
export async function pingDatabase(dataSource: DataSource, timeoutMs = 2000): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dataSource.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
