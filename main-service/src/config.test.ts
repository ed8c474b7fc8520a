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

  test('inbox retention and the unroutable retry backoff have defaults, are settable, and nonsense is refused', () => {
    const config = loadMainConfig(base);
    assert.equal(config.INBOX_RETENTION_DAYS, 14);
    assert.deepEqual([config.OUTBOX_RETRY_BASE_MS, config.OUTBOX_RETRY_MAX_MS], [1000, 60_000]);
    assert.equal(loadMainConfig({ ...base, INBOX_RETENTION_DAYS: '30' }).INBOX_RETENTION_DAYS, 30);
    assert.throws(
      () => loadMainConfig({ ...base, INBOX_RETENTION_DAYS: '0' }),
      (err: unknown) => err instanceof ConfigError && /INBOX_RETENTION_DAYS/.test(err.message),
    );
    assert.throws(
      () => loadMainConfig({ ...base, OUTBOX_RETRY_BASE_MS: '5000', OUTBOX_RETRY_MAX_MS: '1000' }),
      (err: unknown) => err instanceof ConfigError && /OUTBOX_RETRY_MAX_MS \(must be at least OUTBOX_RETRY_BASE_MS\)/.test(err.message),
    );
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

  test('outside production, tokens are verified with admin JWKS at ADMIN_URL by default (RS256)', () => {
    assert.deepEqual(loadMainConfig({ ...base, ADMIN_URL: 'http://admin.internal:8000' }).tokenKey, {
      kind: 'jwks',
      url: 'http://admin.internal:8000/.well-known/jwks.json',
      timeoutMs: 2000,
      cooldownMs: 30_000,
      maxAgeMs: 300_000,
    });
    assert.deepEqual(loadMainConfig({ ...base, JWT_SECRET: 'y'.repeat(32) }).tokenKey, { kind: 'secret', secret: 'y'.repeat(32) });
  });

  test('only one token key source may be set, so the algorithm is never ambiguous', () => {
    assert.throws(
      () => loadMainConfig({ ...base, JWT_SECRET: 'y'.repeat(32), JWT_JWKS_URL: 'https://admin.example/.well-known/jwks.json' }),
      /JWT_SECRET|JWT_JWKS_URL/,
    );
  });

  test('production requires an explicit token key and refuses the random-user mode and test-only crash points', () => {
    const production = { ...base, NODE_ENV: 'production', RABBITMQ_URL: 'amqp://h', CLIENT_ADDRESS_SECRET: 'c'.repeat(32) };
    assert.throws(() => loadMainConfig(production), /JWT_JWKS_URL/);
    assert.throws(() => loadMainConfig({ ...production, JWT_SECRET: 'x'.repeat(40), DEV_RANDOM_USER: 'true' }), /DEV_RANDOM_USER/);
    assert.doesNotThrow(() => loadMainConfig({ ...production, JWT_JWKS_URL: 'https://admin.example/.well-known/jwks.json' }));
    assert.throws(() => loadMainConfig({ ...production, JWT_SECRET: 'x'.repeat(40), CRASH_POINT: 'after-like-commit' }), /CRASH_POINT/);
  });

  test("production's HTTP process requires CLIENT_ADDRESS_SECRET (admin's), to pass on sign-ins' client addresses; the consumer process does not", () => {
    const production = {
      ...base,
      NODE_ENV: 'production',
      RABBITMQ_URL: 'amqp://h',
      JWT_JWKS_URL: 'https://admin.example/.well-known/jwks.json',
    };
    assert.throws(() => loadMainConfig(production), /CLIENT_ADDRESS_SECRET/);
    assert.doesNotThrow(() => loadMainConfig({ ...production, RUN_HTTP: 'false' }));
    assert.deepEqual(loadMainConfig({ ...production, CLIENT_ADDRESS_SECRET: 'c'.repeat(32) }).CLIENT_ADDRESS_SECRET, ['c'.repeat(32)]);
  });

  test('production has no built-in broker credentials', () => {
    assert.throws(() => loadMainConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }), /RABBITMQ_URL/);
  });

  test('a shutdown drain is off by default and must end before the shutdown deadline', () => {
    assert.equal(loadMainConfig(base).SHUTDOWN_DRAIN_MS, 0);
    assert.equal(loadMainConfig({ ...base, SHUTDOWN_DRAIN_MS: '3000' }).SHUTDOWN_DRAIN_MS, 3000);
    assert.throws(() => loadMainConfig({ ...base, SHUTDOWN_DRAIN_MS: '10000', SHUTDOWN_TIMEOUT_MS: '10000' }), /SHUTDOWN_DRAIN_MS/);
  });

  test('Secrets Manager replaces DB_USER and DB_PASSWORD', () => {
    const config = loadMainConfig({ DB_SECRET_ID: 'prod/catalogue/main' });
    assert.equal(config.DB_SECRET_ID, 'prod/catalogue/main');
  });

  test('in production ADMIN_TOKEN must be a snapshot-reader credential, never a staff token', async () => {
    const { UnsecuredJWT } = await import('jose');
    const claiming = (role: string) => new UnsecuredJWT({ role }).setSubject('main-service').encode();
    const production = {
      ...base,
      NODE_ENV: 'production',
      RABBITMQ_URL: 'amqp://broker',
      JWT_JWKS_URL: 'http://admin:8000/.well-known/jwks.json',
      CLIENT_ADDRESS_SECRET: 'c'.repeat(32),
    };
    assert.throws(
      () => loadMainConfig({ ...production, ADMIN_TOKEN: claiming('staff') }),
      (err: unknown) => err instanceof ConfigError && /ADMIN_TOKEN/.test(err.message) && /snapshot-reader/.test(err.message),
    );
    assert.throws(() => loadMainConfig({ ...production, ADMIN_TOKEN: 'not-a-token' }), /ADMIN_TOKEN/);
    assert.equal(loadMainConfig({ ...production, ADMIN_TOKEN: claiming('snapshot-reader') }).ADMIN_TOKEN, claiming('snapshot-reader'));
  });
});
