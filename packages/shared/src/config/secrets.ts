import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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

export type SecretsManagerSettings = Pick<DatabaseSettings, 'AWS_REGION' | 'AWS_ENDPOINT_URL_SECRETS_MANAGER'>;

/** The labels Secrets Manager moves between a secret's versions when it rotates. */
export type VersionStage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

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
  constructor(
    message: string,
    /** The SDK's error name (e.g. ResourceNotFoundException), never its message. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** A whole read (the SDK's own retries included) gives up after this long: a hung endpoint must not hang a refresh. */
const READ_TIMEOUT_MS = 5000;

/**
 * Reads secret strings from Secrets Manager with one client for the life of the process (a secret
 * read again on rotation reuses its connection). Errors name the secret id and the SDK's error
 * name, never the secret's contents.
 */
export class SecretsManagerReader {
  private client?: Promise<{ client: SecretsManagerClient; GetSecretValue: typeof GetSecretValueCommand }>;

  constructor(private readonly settings: SecretsManagerSettings) {}

  /** The string of a secret's version with this stage (AWSCURRENT by default). */
  async read(secretId: string, what: string, stage: VersionStage = 'AWSCURRENT'): Promise<string> {
    const { client, GetSecretValue } = await this.connect();
    let secretString: string | undefined;
    try {
      const answer = await client.send(
        new GetSecretValue({ SecretId: secretId, ...(stage === 'AWSCURRENT' ? {} : { VersionStage: stage }) }),
        {
          abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS),
        },
      );
      secretString = answer.SecretString;
    } catch (err) {
      const reason = err instanceof Error ? err.name : 'unknown error';
      const version = stage === 'AWSCURRENT' ? '' : ` (${stage})`;
      throw new SecretError(`could not read ${what} "${secretId}"${version} from Secrets Manager: ${reason}`, reason);
    }
    if (!secretString) throw new SecretError(`${what} "${secretId}" has no SecretString`);
    return secretString;
  }

  /** Like read, but a stage the secret does not have (yet) is undefined rather than an error. */
  async readIfPresent(secretId: string, what: string, stage: VersionStage): Promise<string | undefined> {
    try {
      return await this.read(secretId, what, stage);
    } catch (err) {
      if (err instanceof SecretError && err.reason === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }

  close(): void {
    void this.client?.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
    this.client = undefined;
  }

  private connect(): Promise<{ client: SecretsManagerClient; GetSecretValue: typeof GetSecretValueCommand }> {
    // Loaded only when used: the SDK adds about 14 MB to every process that imports it.
    this.client ??= import('@aws-sdk/client-secrets-manager').then(({ GetSecretValueCommand, SecretsManagerClient }) => ({
      client: new SecretsManagerClient({
        region: this.settings.AWS_REGION,
        ...(this.settings.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: this.settings.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}),
        maxAttempts: 3,
      }),
      GetSecretValue: GetSecretValueCommand,
    }));
    return this.client;
  }
}

/**
 * Database credentials from AWS Secrets Manager when DB_SECRET_ID is set, else from the environment.
 * Errors name the secret id and the reason, never its contents.
 */
export async function resolveDatabaseCredentials(
  settings: DatabaseSettings,
  database: string,
  reader?: SecretsManagerReader,
): Promise<DatabaseCredentials> {
  if (!settings.DB_SECRET_ID) {
    return {
      host: settings.DB_HOST,
      port: settings.DB_PORT,
      user: settings.DB_USER ?? '',
      password: settings.DB_PASSWORD ?? '',
      database,
    };
  }
  const own = reader ? undefined : new SecretsManagerReader(settings);
  try {
    const secretString = await (reader ?? own!).read(settings.DB_SECRET_ID, 'database secret');
    return parseDatabaseSecret(secretString, settings, database);
  } finally {
    own?.close();
  }
}

function parseDatabaseSecret(secretString: string, settings: DatabaseSettings, database: string): DatabaseCredentials {
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

/** One secret's string value from Secrets Manager, read once (start-up, scripts). */
export async function readSecretString(settings: SecretsManagerSettings, secretId: string, what: string): Promise<string> {
  const reader = new SecretsManagerReader(settings);
  try {
    return await reader.read(secretId, what);
  } finally {
    reader.close();
  }
}
