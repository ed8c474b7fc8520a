import type { Logger } from '../logging/logger';
import { FixedCredential, RefreshingSecret, type CredentialSource } from './refreshing-secret';
import { resolveDatabaseCredentials, SecretsManagerReader, type DatabaseCredentials, type DatabaseSettings } from './secrets';

/**
 * Where the database login comes from: DB_SECRET_ID's secret, read at start (a missing or malformed
 * secret stops the start) and again when the pool asks; otherwise DB_USER and DB_PASSWORD, fixed.
 */
export async function databaseCredentialSource(
  settings: DatabaseSettings,
  database: string,
  options: { logger: Logger; minIntervalMs: number },
): Promise<CredentialSource<DatabaseCredentials>> {
  if (!settings.DB_SECRET_ID) return new FixedCredential(await resolveDatabaseCredentials(settings, database));
  const reader = new SecretsManagerReader(settings);
  return RefreshingSecret.load({
    kind: 'database',
    read: () => resolveDatabaseCredentials(settings, database, reader),
    same: (a, b) => a.user === b.user && a.password === b.password && a.host === b.host && a.port === b.port && a.database === b.database,
    minIntervalMs: options.minIntervalMs,
    logger: options.logger,
    close: () => reader.close(),
  });
}
