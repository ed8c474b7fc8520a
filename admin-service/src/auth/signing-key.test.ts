import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createLogger } from '@catalogue/shared';
import { startLocalSecretsManager, type LocalSecretsManager } from '@catalogue/shared/testing';
import { loadAdminConfig } from '../config';
import { loadSigningKey } from './signing-key';
import { fixedKeys } from './signing-keys';
import { TokensService } from './tokens.service';

const logger = createLogger({ service: 'signing-key-test', level: 'silent' });
const base = { DB_USER: 'admin', DB_PASSWORD: '' };
const pem = (bits: number) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Secrets Manager's JSON protocol on a local port, reached through the SDK's endpoint override. */
let sm: LocalSecretsManager;
let endpoint: string;
before(async () => {
  sm = await startLocalSecretsManager();
  endpoint = sm.endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY ??= sm.env.AWS_SECRET_ACCESS_KEY;
});
after(() => sm.close());

async function verifies(
  config: ReturnType<typeof loadAdminConfig>,
  token: string,
  key: Awaited<ReturnType<typeof loadSigningKey>>,
): Promise<string | undefined> {
  const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk] }), {
    algorithms: ['RS256'],
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  return payload.sub;
}

describe('the token signing key', () => {
  test('comes from JWT_PRIVATE_KEY, and the same PEM always gives the same kid', async () => {
    const key = pem(2048);
    const config = loadAdminConfig({ ...base, JWT_PRIVATE_KEY: key });
    const [first, second] = [await loadSigningKey(config, logger), await loadSigningKey(config, logger)];
    assert.equal(first.publicJwk.kid, second.publicJwk.kid);
    assert.equal('d' in first.publicJwk, false);
    const { token } = await new TokensService(fixedKeys(first), config).issue('7', 'staff');
    assert.equal(await verifies(config, token, second), '7');
  });

  test('comes from Secrets Manager when JWT_PRIVATE_KEY_SECRET_ID is set', async () => {
    sm.put('prod/jwt', pem(2048));
    const config = loadAdminConfig({
      ...base,
      JWT_PRIVATE_KEY_SECRET_ID: 'prod/jwt',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: 'eu-west-1',
    });
    const key = await loadSigningKey(config, logger);
    const { token } = await new TokensService(fixedKeys(key), config).issue('8', 'customer');
    assert.equal(await verifies(config, token, key), '8');
    const missing = loadAdminConfig({ ...base, JWT_PRIVATE_KEY_SECRET_ID: 'prod/none', AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });
    await assert.rejects(loadSigningKey(missing, logger), /prod\/none/);
  });

  test('a short RSA key or a key of another type is refused, naming no key material', async () => {
    await assert.rejects(loadSigningKey(loadAdminConfig({ ...base, JWT_PRIVATE_KEY: pem(1024) }), logger), /at least 2048 bits/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await assert.rejects(loadSigningKey(loadAdminConfig({ ...base, JWT_PRIVATE_KEY: ec }), logger), /must be RSA/);
    const broken = `-----BEGIN PRIVATE KEY-----\nSENTINELnotbase64\n-----END PRIVATE KEY-----`;
    await assert.rejects(
      loadSigningKey(loadAdminConfig({ ...base, JWT_PRIVATE_KEY: broken }), logger),
      (err: Error) => !err.message.includes('SENTINEL'),
    );
  });

  test('without a key, development signs with a key of its own process; production never starts without one', async () => {
    const a = await loadSigningKey(loadAdminConfig({ ...base, NODE_ENV: 'test' }), logger);
    const b = await loadSigningKey(loadAdminConfig({ ...base, NODE_ENV: 'test' }), logger);
    assert.notEqual(a.publicJwk.kid, b.publicJwk.kid, 'no built-in key: each process makes its own');
    assert.throws(() => loadAdminConfig({ ...base, NODE_ENV: 'production', RABBITMQ_URL: 'amqp://b' }), /JWT_PRIVATE_KEY/);
  });
});

describe('npm run token (development)', () => {
  test('prints a token for the given subject and role, signed with the configured key', async () => {
    const key = pem(2048);
    const root = resolve(__dirname, '../../..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/token.mjs', '--role', 'staff', '--sub', '42', '--ttl', '120'],
      {
        cwd: root,
        env: { ...process.env, JWT_PRIVATE_KEY: key, NODE_ENV: 'development' },
      },
    );
    const config = loadAdminConfig({ ...base, JWT_PRIVATE_KEY: key });
    const signing = await loadSigningKey(config, logger);
    const { payload } = await jwtVerify(stdout.trim(), createLocalJWKSet({ keys: [signing.publicJwk] }), {
      algorithms: ['RS256'],
      issuer: 'catalogue-admin',
      audience: 'catalogue',
    });
    assert.equal(payload.sub, '42');
    assert.equal(payload.role, 'staff');
    assert.equal(payload.exp! - payload.nbf!, 120);
  });

  test('refuses production', async () => {
    const root = resolve(__dirname, '../../..');
    await assert.rejects(
      promisify(execFile)(process.execPath, ['scripts/token.mjs', '--role', 'staff'], {
        cwd: root,
        env: { ...process.env, JWT_PRIVATE_KEY: pem(2048), NODE_ENV: 'production' },
      }),
      /development tool/,
    );
  });
});
