import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@catalogue/shared';
import { loadMainConfig } from './config';

const base = { DB_USER: 'main', DB_PASSWORD: 'sentinel-db-password-7731' };

describe('main-service configuration', () => {
  test('has working development defaults', () => {
    const config = loadMainConfig(base);
    assert.equal(config.PORT, 5000);
    assert.equal(config.DB_NAME, 'catalogue_main');
    assert.equal(config.AMQP_NAMESPACE, '');
  });

  test('a missing database user stops start-up with one line naming it', () => {
    assert.throws(
      () => loadMainConfig({ DB_PASSWORD: 'x' }),
      (err: unknown) => err instanceof ConfigError && /DB_USER/.test(err.message) && !err.message.includes('\n'),
    );
  });

  test('a malformed value is named, and its value never echoed', () => {
    assert.throws(
      () => loadMainConfig({ ...base, PORT: 'eighty', RABBITMQ_URL: 'http://user:sentinel-amqp-pw@host' }),
      (err: unknown) =>
        err instanceof ConfigError && /PORT/.test(err.message) && /RABBITMQ_URL/.test(err.message) && !err.message.includes('sentinel'),
    );
  });

  test('production refuses the random-user mode and test-only crash points', () => {
    assert.throws(() => loadMainConfig({ ...base, NODE_ENV: 'production', RABBITMQ_URL: 'amqp://h' }), /JWT_SECRET/);
    assert.throws(
      () => loadMainConfig({ ...base, NODE_ENV: 'production', RABBITMQ_URL: 'amqp://h', JWT_SECRET: 'x'.repeat(40), CRASH_POINT: 'after-like-commit' }),
      /CRASH_POINT/,
    );
  });

  test('production has no built-in broker credentials', () => {
    assert.throws(() => loadMainConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }), /RABBITMQ_URL/);
  });

  test('Secrets Manager replaces DB_USER and DB_PASSWORD', () => {
    const config = loadMainConfig({ DB_SECRET_ID: 'prod/catalogue/main' });
    assert.equal(config.DB_SECRET_ID, 'prod/catalogue/main');
  });
});
