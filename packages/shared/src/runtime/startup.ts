import type { DataSource } from 'typeorm';
import { databaseCredentialSource } from '../config/database-credentials';
import type { DatabaseSettings } from '../config/secrets';
import { createDataSource } from '../db/data-source';
import { isAuthenticationError } from '../db/errors';
import type { Logger } from '../logging/logger';

export interface DatabaseRuntimeSettings extends DatabaseSettings {
  DB_POOL_SIZE: number;
  SECRET_REFRESH_SECONDS: number;
  SECRET_MIN_INTERVAL_SECONDS: number;
}

/**
 * The service's database, opened at start-up: credentials from DB_SECRET_ID's secret (followed as
 * it rotates) or the environment, then connected with retries.
 */
export async function openDatabase(
  settings: DatabaseRuntimeSettings,
  database: string,
  logger: Logger,
  options: { maxWaitMs?: number } = {},
): Promise<DataSource> {
  const minIntervalMs = settings.SECRET_MIN_INTERVAL_SECONDS * 1000;
  const source = await databaseCredentialSource(settings, database, { logger, minIntervalMs });
  const dataSource = createDataSource({
    credentials: source.current,
    poolSize: settings.DB_POOL_SIZE,
    rotation: source.refreshable
      ? { source, refreshIntervalMs: settings.SECRET_REFRESH_SECONDS * 1000, retryRefusedAfterMs: minIntervalMs, logger }
      : undefined,
  });
  await connectDatabaseWithRetry(dataSource, logger, options);
  return dataSource;
}

/**
 * Opens the database at start-up, retrying with capped exponential backoff and saying which
 * database it waits for, rather than crash-looping silently.
 */
export async function connectDatabaseWithRetry(
  dataSource: DataSource,
  logger: Logger,
  options: { maxWaitMs?: number } = {},
): Promise<void> {
  const started = Date.now();
  const opts = dataSource.options as { host?: string; port?: number; database?: string };
  const target = `MySQL at ${opts.host}:${opts.port} (database ${opts.database})`;
  for (let attempt = 0; ; attempt++) {
    try {
      await dataSource.initialize();
      if (attempt > 0) logger.info(`${target} is reachable`);
      return;
    } catch (err) {
      const waited = Date.now() - started;
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      if (options.maxWaitMs !== undefined && waited >= options.maxWaitMs) {
        throw new Error(`${target} is unreachable: ${reason}`, { cause: err });
      }
      const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
      // A refused login retries too: with DB_SECRET_ID each attempt may bring the secret's newer value.
      if (isAuthenticationError(err)) logger.warn({ reason, retryInMs: delay }, `${target} refused the login; retrying`);
      else logger.warn({ reason, retryInMs: delay }, `${target} is unreachable; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
