import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { resolveDatabaseCredentials, SecretError, type DatabaseSettings } from './secrets';

/**
 * A small server speaking the Secrets Manager JSON protocol, reached through the SDK's endpoint
 * override: the real client, its signing and its parsing run; only AWS is replaced.
 */
const secrets = new Map<string, string>();
const requests: { target: string | undefined; secretId: string; signed: boolean }[] = [];
let server: http.Server;
let endpoint: string;

before(async () => {
  // The SDK signs every request; any static credentials will do against a local endpoint.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-test-secret-key';
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, secretId: SecretId, signed: String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256') });
      const secret = secrets.get(SecretId);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!secret) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      res.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${SecretId}`, Name: SecretId, SecretString: secret, VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = (overrides: Partial<DatabaseSettings> = {}): DatabaseSettings => ({
  DB_HOST: 'db.local',
  DB_PORT: 3306,
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
  ...overrides,
});

describe('database credentials', () => {
  test('come from the environment when no secret id is configured', async () => {
    const credentials = await resolveDatabaseCredentials(settings({ DB_USER: 'env-user', DB_PASSWORD: 'env-pw' }), 'catalogue_main');
    assert.deepEqual(credentials, { host: 'db.local', port: 3306, user: 'env-user', password: 'env-pw', database: 'catalogue_main' });
  });

  test('come from Secrets Manager in the RDS secret shape when a secret id is configured', async () => {
    secrets.set('prod/main', JSON.stringify({ username: 'rds-user', password: 'sentinel-rds-pw-5521', host: 'rds.internal', port: 3307, dbname: 'main_prod', engine: 'mysql' }));
    const credentials = await resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/main', DB_USER: 'ignored' }), 'catalogue_main');
    assert.deepEqual(credentials, { host: 'rds.internal', port: 3307, user: 'rds-user', password: 'sentinel-rds-pw-5521', database: 'main_prod' });
    const call = requests.at(-1)!;
    assert.equal(call.target, 'secretsmanager.GetSecretValue');
    assert.equal(call.secretId, 'prod/main');
    assert.ok(call.signed, 'the request was SigV4-signed by the real client');
  });

  test('fall back to configured host, port and database when the secret omits them', async () => {
    secrets.set('prod/minimal', JSON.stringify({ username: 'u', password: 'p' }));
    const credentials = await resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/minimal' }), 'catalogue_admin');
    assert.deepEqual(credentials, { host: 'db.local', port: 3306, user: 'u', password: 'p', database: 'catalogue_admin' });
  });

  test('a missing secret fails with a clear error naming the id', async () => {
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/absent' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && err.message.includes('prod/absent') && err.message.includes('ResourceNotFoundException');
    });
  });

  test('a malformed secret names the bad fields and never echoes the secret', async () => {
    secrets.set('prod/broken', JSON.stringify({ password: 'sentinel-leak-check-9911' }));
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/broken' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && err.message.includes('username') && !err.message.includes('sentinel-leak-check-9911');
    });
    secrets.set('prod/not-json', 'sentinel-not-json-4411');
    await assert.rejects(resolveDatabaseCredentials(settings({ DB_SECRET_ID: 'prod/not-json' }), 'x'), (err: unknown) => {
      return err instanceof SecretError && /not JSON/.test(err.message) && !err.message.includes('sentinel');
    });
  });
});
