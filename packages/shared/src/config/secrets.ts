import { z } from 'zod';

export interface DatabaseCredentials {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface DatabaseSettings {
  DB_HOST: string;
  DB_PORT: number;
  DB_USER?: string;
  DB_PASSWORD?: string;
  DB_SECRET_ID?: string;
  AWS_REGION: string;
  AWS_ENDPOINT_URL_SECRETS_MANAGER?: string;
}

/** The shape RDS writes into Secrets Manager; host, port and dbname fall back to configuration. */
const rdsSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string(),
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().positive().optional(),
  dbname: z.string().min(1).optional(),
});

export class SecretError extends Error {
  override name = 'SecretError';
}

/**
 * Database credentials from AWS Secrets Manager when DB_SECRET_ID is set, else from the environment.
 * Called once at start-up; errors name the secret id and the reason, never its contents.
 */
export async function resolveDatabaseCredentials(settings: DatabaseSettings, database: string): Promise<DatabaseCredentials> {
  if (!settings.DB_SECRET_ID) {
    return {
      host: settings.DB_HOST,
      port: settings.DB_PORT,
      user: settings.DB_USER ?? '',
      password: settings.DB_PASSWORD ?? '',
      database,
    };
  }
  const secretString = await readSecretString(settings, settings.DB_SECRET_ID, 'database secret');
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new SecretError(`database secret "${settings.DB_SECRET_ID}" is not JSON`);
  }
  const parsed = rdsSecretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new SecretError(`database secret "${settings.DB_SECRET_ID}" lacks valid fields: ${fields}`);
  }
  return {
    host: parsed.data.host ?? settings.DB_HOST,
    port: parsed.data.port ?? settings.DB_PORT,
    user: parsed.data.username,
    password: parsed.data.password,
    database: parsed.data.dbname ?? database,
  };
}

/**
 * One secret's string value from Secrets Manager, read once at start-up. Errors name the secret id
 * and the reason, never its contents.
 */
export async function readSecretString(
  settings: Pick<DatabaseSettings, 'AWS_REGION' | 'AWS_ENDPOINT_URL_SECRETS_MANAGER'>,
  secretId: string,
  what: string,
): Promise<string> {
  // Loaded only when used: the SDK adds about 14 MB to every process that imports it.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({
    region: settings.AWS_REGION,
    ...(settings.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: settings.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}),
    maxAttempts: 3,
  });
  let secretString: string | undefined;
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = answer.SecretString;
  } catch (err) {
    const reason = err instanceof Error ? err.name : 'unknown error';
    throw new SecretError(`could not read ${what} "${secretId}" from Secrets Manager: ${reason}`);
  } finally {
    client.destroy();
  }
  if (!secretString) throw new SecretError(`${what} "${secretId}" has no SecretString`);
  return secretString;
}
