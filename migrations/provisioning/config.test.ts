import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '@catalogue/shared';
import { DEVELOPMENT_PASSWORDS, loadProvisionConfig } from './config';

/** What a production Job gives: administrators and every service password, none of them a default. */
const PRODUCTION = {
  NODE_ENV: 'production',
  PROVISION_DB_USER: 'dbadmin',
  PROVISION_DB_PASSWORD: 'a-real-db-admin-password',
  MAIN_DB_PASSWORD: 'main-real-password',
  ADMIN_DB_PASSWORD: 'admin-real-password',
  RABBITMQ_MANAGEMENT_URL: 'http://rabbitmq:15672',
  RABBITMQ_ADMIN_USER: 'operator',
  RABBITMQ_ADMIN_PASSWORD: 'a-real-broker-admin-password',
  MAIN_RABBITMQ_URL: 'amqp://catalogue_main:main-broker-real@rabbitmq:5672',
  ADMIN_RABBITMQ_URL: 'amqp://catalogue_admin:admin-broker-real@rabbitmq:5672',
};

const refusal = (env: Record<string, string | undefined>): string => {
  try {
    loadProvisionConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('the configuration was accepted');
};

describe('provisioning configuration', () => {
  test('outside production, every credential has its development default, and service passwords only create users', () => {
    const config = loadProvisionConfig({});
    assert.equal(config.production, false);
    assert.deepEqual(config.database?.admin, { user: 'root', password: '' });
    assert.deepEqual(
      config.database?.schemas.map((s) => s.user),
      [
        { name: 'catalogue_main', password: 'main-dev-password', passwordIsDefault: true },
        { name: 'catalogue_admin', password: 'admin-dev-password', passwordIsDefault: true },
      ],
    );
    assert.equal(config.database?.migrationUser, undefined, 'migrations run as the administrator in development');
    assert.equal(config.broker?.management.username, 'guest');
    assert.equal(config.broker?.vhost, '/');
    assert.deepEqual(config.broker?.users.main, { name: 'catalogue_main', password: 'main-broker-dev-password', passwordIsDefault: true });
  });

  test('in production, a development password in any variable is refused, naming the variable and never the value', () => {
    for (const [name, value] of Object.entries(DEVELOPMENT_PASSWORDS)) {
      const env = {
        ...PRODUCTION,
        ...(name.includes('BROKER') ? { [name.replace('_BROKER_PASSWORD', '_RABBITMQ_URL')]: undefined } : {}),
        [name]: value,
      };
      const message = refusal(env);
      assert.match(message, new RegExp(`${name} \\(a development password or placeholder, refused in production\\)`));
      assert.ok(!message.includes(value), `${name}: the value stays out of the message`);
    }
    assert.match(
      refusal({ ...PRODUCTION, MIGRATION_DB_USER: 'migrator', MIGRATION_DB_PASSWORD: 'main-dev-password' }),
      /MIGRATION_DB_PASSWORD \(a development password/,
    );
    assert.match(
      refusal({ ...PRODUCTION, MAIN_RABBITMQ_URL: 'amqp://catalogue_main:main-broker-dev-password@rabbitmq:5672' }),
      /MAIN_RABBITMQ_URL \(a development password/,
    );
    assert.match(
      refusal({ ...PRODUCTION, ADMIN_DB_PASSWORD: 'change-me-admin' }),
      /ADMIN_DB_PASSWORD \(a development password or placeholder/,
    );
  });

  test('in production, the administrators are required, with no guest or root default', () => {
    const message = refusal({ NODE_ENV: 'production' });
    for (const name of [
      'PROVISION_DB_USER',
      'PROVISION_DB_PASSWORD',
      'RABBITMQ_MANAGEMENT_URL',
      'RABBITMQ_ADMIN_USER',
      'RABBITMQ_ADMIN_PASSWORD',
    ]) {
      assert.match(message, new RegExp(`${name} \\(required in production\\)`));
    }
  });

  test('in production, a service password not given means no password: an existing user keeps its own', () => {
    const config = loadProvisionConfig({ ...PRODUCTION, MAIN_DB_PASSWORD: undefined, MAIN_RABBITMQ_URL: undefined });
    assert.deepEqual(config.database?.schemas[0]?.user, { name: 'catalogue_main' });
    assert.deepEqual(config.broker?.users.main, { name: 'catalogue_main' });
  });

  test("a service's broker user and password come from the URL it connects with, which must match the vhost and not be given twice", () => {
    const config = loadProvisionConfig({
      ...PRODUCTION,
      RABBITMQ_VHOST: 'catalogue',
      MAIN_RABBITMQ_URL: 'amqps://catalogue_main:p%40ss@rabbitmq:5671/catalogue',
      ADMIN_RABBITMQ_URL: 'amqp://catalogue_admin:x@rabbitmq/catalogue',
    });
    assert.deepEqual(config.broker?.users.main, { name: 'catalogue_main', password: 'p@ss' });
    assert.match(refusal({ ...PRODUCTION, RABBITMQ_VHOST: 'catalogue' }), /MAIN_RABBITMQ_URL \(its vhost differs from RABBITMQ_VHOST\)/);
    assert.match(
      refusal({ ...PRODUCTION, MAIN_BROKER_PASSWORD: 'another' }),
      /MAIN_RABBITMQ_URL \(given with MAIN_BROKER_USER or MAIN_BROKER_PASSWORD/,
    );
    assert.match(
      refusal({ ...PRODUCTION, RABBITMQ_MANAGEMENT_URL: 'http://operator:secret@rabbitmq:15672' }),
      /RABBITMQ_MANAGEMENT_URL \(must not carry credentials/,
    );
  });

  test('provisions only the halves asked for: a broker-only run needs no database administrator', () => {
    const config = loadProvisionConfig({
      ...PRODUCTION,
      PROVISION_TARGETS: 'broker',
      PROVISION_DB_USER: undefined,
      PROVISION_DB_PASSWORD: undefined,
    });
    assert.equal(config.database, undefined);
    assert.ok(config.broker);
    assert.match(refusal({ PROVISION_TARGETS: 'database,queue' }), /PROVISION_TARGETS/);
  });

  test('the migration user is created only when named and distinct from the administrator', () => {
    assert.equal(loadProvisionConfig({ MIGRATION_DB_USER: 'root' }).database?.migrationUser, undefined);
    assert.deepEqual(
      loadProvisionConfig({ ...PRODUCTION, MIGRATION_DB_USER: 'migrator', MIGRATION_DB_PASSWORD: 'real-migrator' }).database?.migrationUser,
      { name: 'migrator', password: 'real-migrator' },
    );
  });

  test('knows every development password that scripts/dev-env.mjs documents', () => {
    const devEnv = readFileSync(join(__dirname, '../../../scripts/dev-env.mjs'), 'utf8');
    const documented = [...devEnv.matchAll(/'([a-z-]+-dev-password)'/g)].map((m) => m[1]!);
    assert.ok(documented.length >= 4);
    for (const password of documented) assert.ok(Object.values(DEVELOPMENT_PASSWORDS).includes(password), password);
  });
});
