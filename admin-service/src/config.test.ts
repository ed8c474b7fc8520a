import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@catalogue/shared';
import { loadAdminConfig } from './config';

describe('loadAdminConfig', () => {
  test('when DB_USER is missing, it throws a ConfigError naming DB_USER', () => {
    assert.throws(
      () => loadAdminConfig({ DB_PASSWORD: 'x' }),
      (err: unknown) => err instanceof ConfigError && /DB_USER/.test(err.message) && !/DB_PASSWORD/.test(err.message),
    );
  });

  test('when the environment is complete, it applies the defaults (port 8000, HTTP, consumer and relay on)', () => {
    const config = loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '' });
    assert.equal(config.PORT, 8000);
    assert.equal(config.RUN_HTTP, true);
    assert.equal(config.RUN_CONSUMER, true);
    assert.equal(config.RUN_RELAY, true);
    assert.equal(config.DB_NAME, 'catalogue_admin');
  });

  test('when several keys are wrong, the one error names each of them', () => {
    assert.throws(
      () => loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '', PORT: 'eighty', RUN_HTTP: 'maybe' }),
      (err: unknown) => err instanceof ConfigError && /PORT/.test(err.message) && /RUN_HTTP/.test(err.message),
    );
  });

  test('production requires a signing key and refuses the development random-user route', () => {
    const production = {
      DB_USER: 'admin',
      DB_PASSWORD: '',
      NODE_ENV: 'production',
      RABBITMQ_URL: 'amqp://broker',
      CLIENT_ADDRESS_SECRET: 'c'.repeat(32),
    };
    assert.throws(
      () => loadAdminConfig(production),
      (err: unknown) => err instanceof ConfigError && /JWT_PRIVATE_KEY/.test(err.message),
    );
    assert.throws(
      () => loadAdminConfig({ ...production, JWT_PRIVATE_KEY_SECRET_ID: 'prod/jwt', DEV_RANDOM_USER: 'true' }),
      /DEV_RANDOM_USER/,
    );
    assert.equal(loadAdminConfig({ ...production, JWT_PRIVATE_KEY_SECRET_ID: 'prod/jwt' }).JWT_PRIVATE_KEY_SECRET_ID, 'prod/jwt');
  });

  test('a consumer process (RUN_HTTP=false) needs no signing key, even in production', () => {
    const consumer = { DB_USER: 'admin', DB_PASSWORD: '', NODE_ENV: 'production', RABBITMQ_URL: 'amqp://broker', RUN_HTTP: 'false' };
    const config = loadAdminConfig(consumer);
    assert.equal(config.RUN_HTTP, false);
    assert.equal(config.JWT_PRIVATE_KEY, undefined);
  });

  test("production's HTTP process requires CLIENT_ADDRESS_SECRET (main's), the consumer process does not; a short one is refused without echoing it", () => {
    const production = {
      DB_USER: 'admin',
      DB_PASSWORD: '',
      NODE_ENV: 'production',
      RABBITMQ_URL: 'amqp://broker',
      JWT_PRIVATE_KEY_SECRET_ID: 'prod/jwt',
    };
    assert.throws(
      () => loadAdminConfig(production),
      (err: unknown) => err instanceof ConfigError && /CLIENT_ADDRESS_SECRET/.test(err.message),
    );
    assert.equal(loadAdminConfig({ ...production, RUN_HTTP: 'false' }).CLIENT_ADDRESS_SECRET, undefined);
    assert.deepEqual(
      loadAdminConfig({ ...production, CLIENT_ADDRESS_SECRET: `${'n'.repeat(32)},${'o'.repeat(32)}` }).CLIENT_ADDRESS_SECRET,
      ['n'.repeat(32), 'o'.repeat(32)],
    );
    assert.throws(
      () => loadAdminConfig({ ...production, CLIENT_ADDRESS_SECRET: 'sentinel-short' }),
      (err: unknown) => err instanceof ConfigError && /CLIENT_ADDRESS_SECRET/.test(err.message) && !err.message.includes('sentinel'),
    );
  });

  test('a JWT_PRIVATE_KEY that is not a PEM private key is refused without echoing it', () => {
    assert.throws(
      () => loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '', JWT_PRIVATE_KEY: 'sentinel-not-a-key' }),
      (err: unknown) => err instanceof ConfigError && /JWT_PRIVATE_KEY/.test(err.message) && !err.message.includes('sentinel'),
    );
  });

  test('OPS_RABBITMQ_URL is optional, and one that is not an amqp URL is refused without echoing it', () => {
    assert.equal(loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '' }).OPS_RABBITMQ_URL, undefined);
    assert.equal(
      loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '', OPS_RABBITMQ_URL: 'amqps://ops:pw@broker:5671' }).OPS_RABBITMQ_URL,
      'amqps://ops:pw@broker:5671',
    );
    assert.throws(
      () => loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '', OPS_RABBITMQ_URL: 'http://ops:sentinel-pw@broker' }),
      (err: unknown) => err instanceof ConfigError && /OPS_RABBITMQ_URL/.test(err.message) && !err.message.includes('sentinel'),
    );
  });

  test('CORS_ORIGINS takes a comma-separated list of origins and refuses a path', () => {
    assert.deepEqual(
      loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '', CORS_ORIGINS: 'https://shop.example, http://localhost:5173' }).CORS_ORIGINS,
      ['https://shop.example', 'http://localhost:5173'],
    );
    assert.deepEqual(loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '' }).CORS_ORIGINS, []);
    assert.throws(() => loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '', CORS_ORIGINS: 'https://shop.example/path' }), /CORS_ORIGINS/);
  });
});
