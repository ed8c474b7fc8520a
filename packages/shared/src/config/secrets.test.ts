import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLocalSecretsManager, type LocalSecretsManager } from '../testing/secrets-manager';
import { resolveDatabaseCredentials, SecretError, SecretsManagerReader, type DatabaseSettings } from './secrets';

/** Secrets Manager's JSON protocol on a local port: the real client, its signing and parsing run. */
let sm: LocalSecretsManager;

before(async () => {
  sm = await startLocalSecretsManager();
  // The SDK signs every request; any static credentials will do against a local endpoint.
  process.env.AWS_ACCESS_KEY_ID = sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = sm.env.AWS_SECRET_ACCESS_KEY;
});
after(() => sm.close());

const settings = (overrides: Partial<DatabaseSettings> = {}): DatabaseSettings => ({
  DB_HOST: 'db.local',
  DB_PORT: 3306,
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
  ...overrides,
});

describe('database credentials', () => {
  test('come from the environment when no secret id is configured', async () => {
    const credentials = await resolveDatabaseCredentials(settings({ DB_USER: 'env-user', DB_PASSWORD: 'env-pw' }), 'catalogue_main');
    assert.deepEqual(credentials, { host: 'db.local', port: 3306, user: 'env-user', password: 'env-pw', database: 'catalogue_main' });
  });

  test('come from Secrets Manager in the RDS secret shape when a secret id is configured', async () => {
    sm.put(
      'prod/main',
      JSON.stringify({
        username: 'rds-user',
        password: 'sentinel-rds-pw-5521',
        host: 'rds.internal',
        port: 3307,
        dbname: 'main_prod',
        engine: 'mysql',
      }),
    );
    const credentials = await resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/main', DB_USER: 'ignored' }), 'catalogue_main');
    assert.deepEqual(credentials, {
      host: 'rds.internal',
      port: 3307,
      user: 'rds-user',
      password: 'sentinel-rds-pw-5521',
      database: 'main_prod',
    });
    const call = sm.calls.at(-1)!;
    assert.equal(call.target, 'secretsmanager.GetSecretValue');
    assert.equal(call.secretId, 'prod/main');
    assert.equal(call.stage, 'AWSCURRENT');
    assert.ok(call.signed, 'the request was SigV4-signed by the real client');
  });

  test('fall back to configured host, port and database when the secret omits them', async () => {
    sm.put('prod/minimal', JSON.stringify({ username: 'u', password: 'p' }));
    const credentials = await resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/minimal' }), 'catalogue_admin');
    assert.deepEqual(credentials, { host: 'db.local', port: 3306, user: 'u', password: 'p', database: 'catalogue_admin' });
  });

  test('a missing secret fails with a clear error naming the id', async () => {
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/absent' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && err.message.includes('prod/absent') && err.message.includes('ResourceNotFoundException');
    });
  });

  test('a malformed secret names the bad fields and never echoes the secret', async () => {
    sm.put('prod/broken', JSON.stringify({ password: 'sentinel-leak-check-9911' }));
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/broken' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && err.message.includes('username') && !err.message.includes('sentinel-leak-check-9911');
    });
    sm.put('prod/not-json', 'sentinel-not-json-4411');
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/not-json' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && /not JSON/.test(err.message) && !err.message.includes('sentinel');
    });
  });
});

describe('version stages', () => {
  test('a stage is read by its label, and a new current value moves the old one to AWSPREVIOUS', async () => {
    const reader = new SecretsManagerReader(settings());
    try {
      sm.put('prod/staged', 'first');
      assert.equal(
        await reader.readIfPresent('prod/staged', 'test secret', 'AWSPREVIOUS'),
        undefined,
        'a stage the secret lacks is absent, not an error',
      );
      sm.put('prod/staged', 'second');
      assert.equal(await reader.read('prod/staged', 'test secret'), 'second');
      assert.equal(await reader.read('prod/staged', 'test secret', 'AWSPREVIOUS'), 'first');
      assert.deepEqual(
        sm.calls.slice(-2).map((call) => call.stage),
        ['AWSCURRENT', 'AWSPREVIOUS'],
      );
    } finally {
      reader.close();
    }
  });

  test('an unreachable Secrets Manager is an error naming the secret and the failure, not a hang', async () => {
    const reader = new SecretsManagerReader(settings());
    sm.failing(true);
    try {
      await assert.rejects(
        reader.read('prod/main', 'database secret'),
        (err: unknown) => err instanceof SecretError && /prod\/main/.test(err.message) && /InternalServiceError/.test(err.message),
      );
    } finally {
      sm.failing(false);
      reader.close();
    }
  });
});
