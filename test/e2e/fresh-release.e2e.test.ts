import { randomBytes } from 'node:crypto';
import { fixedKeys } from '@catalogue/admin-service/dist/auth/signing-keys';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadSigningKey } from '@catalogue/admin-service/dist/auth/signing-key';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { dropRuntimeUser } from '@catalogue/migrations';
import { createLogger, managementApi, passwordMatches, apiSegment, type Role } from '@catalogue/shared';
import { eventually, TEST_DB, uniqueName } from '@catalogue/shared/testing';
import amqplib from 'amqplib';
import mysql from 'mysql2/promise';
import { freePort, PrivateRabbitMq } from '../faults/harness/servers';
import { ServiceProcess } from '../faults/harness/service-process';

/**
 * A first release on nothing: a broker with no topology and no users (a private node, management
 * plugin on), a database server with none of our schemas or users. Everything runs as a release
 * runs it, in production mode, as processes: `provision` as the two administrators, `migrate` as
 * the migration user provisioning made, then both services as their own least-privilege users,
 * declaring nothing. No step by hand in between.
 */
const REPO = path.resolve(__dirname, '../../..');
const execFileAsync = promisify(execFile);
const id = uniqueName('').slice(-8);
const VHOST = 'catalogue';
const broker = new PrivateRabbitMq({ management: true });
const operator = { user: `operator_${id}`, password: uniqueName('broker-admin-') };
const dbAdmin = { user: `tprov_admin_${id}`, password: uniqueName('db-admin-') };
const names = {
  MAIN_DB_NAME: `t_fresh_main_${id}`,
  ADMIN_DB_NAME: `t_fresh_admin_${id}`,
  MAIN_DB_USER: `tfresh_main_${id}`,
  ADMIN_DB_USER: `tfresh_admin_${id}`,
  MIGRATION_DB_USER: `tfresh_migr_${id}`,
};
const passwords = {
  MAIN_DB_PASSWORD: uniqueName('main-db-'),
  ADMIN_DB_PASSWORD: uniqueName('admin-db-'),
  MIGRATION_DB_PASSWORD: uniqueName('migr-db-'),
};
const brokerUsers = {
  main: { name: 'catalogue_main', password: uniqueName('main-broker-') },
  admin: { name: 'catalogue_admin', password: uniqueName('admin-broker-') },
};
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let main: ServiceProcess;
let admin: ServiceProcess;
let tokens: TokensService;
const runs: Record<'provision' | 'migrate' | 'reprovision', { code: number; stdout: string; stderr: string }> = {} as never;

const amqpUrl = (user: { name: string; password: string }) => `amqp://${user.name}:${user.password}@127.0.0.1:${broker.port}/${VHOST}`;
/** What the Job gives `node dist/provision.js`: the administrators, and each user's credentials from the services' own Secrets. */
const provisionEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  MIGRATION_DB_HOST: TEST_DB.host,
  MIGRATION_DB_PORT: String(TEST_DB.port),
  PROVISION_DB_USER: dbAdmin.user,
  PROVISION_DB_PASSWORD: dbAdmin.password,
  ...names,
  ...passwords,
  RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
  RABBITMQ_ADMIN_USER: operator.user,
  RABBITMQ_ADMIN_PASSWORD: operator.password,
  RABBITMQ_VHOST: VHOST,
  AMQP_DELIVERY_LIMIT: '10',
  AMQP_QUORUM_INITIAL_GROUP_SIZE: '3',
  MAIN_RABBITMQ_URL: amqpUrl(brokerUsers.main),
  ADMIN_RABBITMQ_URL: amqpUrl(brokerUsers.admin),
});

async function runNode(script: string, env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [path.join(REPO, script)], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const asRoot = () => mysql.createConnection({ ...TEST_DB });

before(async () => {
  await broker.init();
  // The broker's own administrator, as its installation makes one (the Cluster Operator's default user).
  const guest = managementApi({ url: broker.managementUrl, username: 'guest', password: 'guest' });
  await guest.put(`/api/users/${apiSegment(operator.user)}`, { password: operator.password, tags: 'administrator' });
  // The database server's administrator (an RDS master user, say): may create schemas and users, and grant.
  const root = await asRoot();
  try {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [dbAdmin.user, '%', dbAdmin.password]);
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [dbAdmin.user, '%']);
  } finally {
    await root.end();
  }

  runs.provision = await runNode('migrations/dist/provision.js', provisionEnv());
  assert.equal(runs.provision.code, 0, runs.provision.stderr);
  runs.migrate = await runNode('migrations/dist/cli.js', {
    MIGRATION_DB_HOST: TEST_DB.host,
    MIGRATION_DB_PORT: String(TEST_DB.port),
    MIGRATION_DB_USER: names.MIGRATION_DB_USER,
    MIGRATION_DB_PASSWORD: passwords.MIGRATION_DB_PASSWORD,
    MAIN_DB_NAME: names.MAIN_DB_NAME,
    ADMIN_DB_NAME: names.ADMIN_DB_NAME,
  });
  assert.equal(runs.migrate.code, 0, runs.migrate.stderr);

  const common = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    AMQP_DECLARE_TOPOLOGY: 'false',
    OUTBOX_SWEEP_MS: '200',
    CLIENT_ADDRESS_SECRET: randomBytes(32).toString('hex'),
  };
  const adminPort = await freePort();
  admin = new ServiceProcess('admin', adminPort, {
    ...common,
    DB_NAME: names.ADMIN_DB_NAME,
    DB_USER: names.ADMIN_DB_USER,
    DB_PASSWORD: passwords.ADMIN_DB_PASSWORD,
    RABBITMQ_URL: amqpUrl(brokerUsers.admin),
    JWT_PRIVATE_KEY: signingKey,
  });
  main = new ServiceProcess('main', await freePort(), {
    ...common,
    DB_NAME: names.MAIN_DB_NAME,
    DB_USER: names.MAIN_DB_USER,
    DB_PASSWORD: passwords.MAIN_DB_PASSWORD,
    RABBITMQ_URL: amqpUrl(brokerUsers.main),
    ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    JWT_JWKS_URL: `http://127.0.0.1:${adminPort}/.well-known/jwks.json`,
  });
  await admin.start();
  await main.start();

  const tokenConfig = loadAdminConfig({ NODE_ENV: 'test', DB_USER: 'unused', DB_PASSWORD: '', JWT_PRIVATE_KEY: signingKey });
  tokens = new TokensService(
    fixedKeys(await loadSigningKey(tokenConfig, createLogger({ service: 'fresh-release', level: 'silent' }))),
    tokenConfig,
  );
});

after(async () => {
  await Promise.allSettled([main?.stop(), admin?.stop()]);
  await broker.destroy();
  const root = await asRoot();
  try {
    await root.query(`DROP DATABASE IF EXISTS \`${names.MAIN_DB_NAME}\``);
    await root.query(`DROP DATABASE IF EXISTS \`${names.ADMIN_DB_NAME}\``);
    for (const user of [names.MAIN_DB_USER, names.ADMIN_DB_USER, names.MIGRATION_DB_USER, dbAdmin.user]) await dropRuntimeUser(root, user);
  } finally {
    await root.end();
  }
});

const token = async (subject: string, role: Role) => (await tokens.issue(subject, role)).token;
async function call(
  service: ServiceProcess,
  method: string,
  route: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${service.url}${route}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const steps = (output: string) =>
  [...output.matchAll(/^provision: (created|updated|unchanged) +(.+)$/gm)].map((m) => ({ action: m[1]!, what: m[2]! }));
const brokerUserHash = async (name: string) =>
  (await managementApi({ url: broker.managementUrl, username: operator.user, password: operator.password }).get<{
    password_hash: string;
    hashing_algorithm: string;
  }>(`/api/users/${apiSegment(name)}`))!;

describe('a fresh release on an empty broker and an empty database, with no manual step', () => {
  test('provisioning creates every schema, user, exchange, queue and binding, and nothing was there before', () => {
    const done = steps(runs.provision.stdout);
    assert.deepEqual(
      done.filter((s) => s.action !== 'created'),
      [],
      'everything was created',
    );
    for (const what of [
      `database ${names.MAIN_DB_NAME}`,
      `database user ${names.ADMIN_DB_USER}`,
      `database user ${names.MIGRATION_DB_USER} (migrations)`,
      `vhost ${VHOST}`,
      'queue main',
      'queue admin.dead-letter',
      'binding main.events -[product_liked]-> admin',
      'broker user catalogue_main',
      `permissions of catalogue_admin on ${VHOST}`,
    ]) {
      assert.ok(
        done.some((s) => s.what === what),
        what,
      );
    }
  });

  test('the queues are quorum queues with the delivery limit, safe dead-lettering and the group size asked for', async () => {
    const api = managementApi({ url: broker.managementUrl, username: operator.user, password: operator.password });
    const queue = await api.get<{ type: string; arguments: Record<string, unknown> }>(`/api/queues/${VHOST}/main`);
    assert.equal(queue?.type, 'quorum');
    assert.deepEqual(queue?.arguments, {
      'x-queue-type': 'quorum',
      'x-quorum-initial-group-size': 3,
      'x-delivery-limit': 10,
      'x-dead-letter-exchange': 'dead-letter',
      'x-dead-letter-routing-key': 'main',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  test('migrations run as the migration user that provisioning created, not as an administrator', () => {
    assert.match(runs.migrate.stdout, new RegExp(`main \\(${names.MAIN_DB_NAME}\\): applied`));
    assert.match(runs.migrate.stdout, new RegExp(`admin \\(${names.ADMIN_DB_NAME}\\): applied`));
  });

  test('the services run on their own users, declare nothing, and the contract holds: create, update, like and delete travel both ways', async () => {
    const staff = await token('1', 'staff');
    const created = await call(admin, 'POST', '/api/products', {
      token: staff,
      body: { title: 'First release lamp', image: 'https://img.example/lamp.png' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const productId = created.body.id as number;
    const seen = await eventually(
      async () => {
        const res = await call(main, 'GET', `/api/products/${productId}`);
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 20_000, what: 'the product in main' },
    );
    assert.equal(seen.title, 'First release lamp');

    assert.equal(
      (
        await call(admin, 'PUT', `/api/products/${productId}`, {
          token: staff,
          body: { title: 'First release lantern', image: 'https://img.example/lamp.png' },
        })
      ).status,
      202,
    );
    await eventually(async () => (await call(main, 'GET', `/api/products/${productId}`)).body.title === 'First release lantern', {
      timeoutMs: 20_000,
      what: 'the update in main',
    });

    assert.equal((await call(main, 'POST', `/api/products/${productId}/like`, { token: await token('7', 'customer') })).status, 200);
    await eventually(async () => (await call(admin, 'GET', `/api/products/${productId}`, { token: staff })).body.likes === 1, {
      timeoutMs: 20_000,
      what: 'the like counted in admin',
    });

    assert.equal((await call(admin, 'DELETE', `/api/products/${productId}`, { token: staff })).status, 204);
    await eventually(async () => (await call(main, 'GET', `/api/products/${productId}`)).status === 404, {
      timeoutMs: 20_000,
      what: 'the delete in main',
    });
  });

  test('provisioning again changes nothing, and the running services keep working', async () => {
    const before = await brokerUserHash('catalogue_main');
    const again = await runNode('migrations/dist/provision.js', provisionEnv());
    assert.equal(again.code, 0, again.stderr);
    const done = steps(again.stdout);
    assert.ok(done.length > 20);
    assert.deepEqual(
      done.filter((s) => s.action !== 'unchanged'),
      [],
    );
    assert.deepEqual(await brokerUserHash('catalogue_main'), before, 'the password hash was not even rewritten');

    const staff = await token('1', 'staff');
    const productId = (
      await call(admin, 'POST', '/api/products', { token: staff, body: { title: 'Second lamp', image: 'https://img.example/l2.png' } })
    ).body.id as number;
    await eventually(async () => (await call(main, 'GET', `/api/products/${productId}`)).status === 200, {
      timeoutMs: 20_000,
      what: 'the product in main',
    });
    assert.equal((await call(main, 'POST', `/api/products/${productId}/like`, { token: await token('8', 'customer') })).status, 200);
    await eventually(async () => (await call(admin, 'GET', `/api/products/${productId}`, { token: staff })).body.likes === 1, {
      timeoutMs: 20_000,
      what: 'the like counted in admin',
    });
  });

  test('in production, development passwords are refused by name, and nothing changes', async () => {
    const before = await brokerUserHash('catalogue_main');
    const refused = await runNode('migrations/dist/provision.js', {
      ...provisionEnv(),
      MAIN_RABBITMQ_URL: `amqp://catalogue_main:main-broker-dev-password@127.0.0.1:${broker.port}/${VHOST}`,
      ADMIN_DB_PASSWORD: 'admin-dev-password',
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /MAIN_RABBITMQ_URL \(a development password or placeholder, refused in production\)/);
    assert.match(refused.stderr, /ADMIN_DB_PASSWORD \(a development password or placeholder, refused in production\)/);
    assert.ok(!refused.stderr.includes('dev-password') && !refused.stdout.includes('dev-password'), 'no value printed');
    assert.deepEqual(await brokerUserHash('catalogue_main'), before);
  });

  test('without a password, an existing user keeps the one it has: nothing is reset to a default', async () => {
    const run = await runNode('migrations/dist/provision.js', {
      ...provisionEnv(),
      MAIN_RABBITMQ_URL: undefined,
      MAIN_BROKER_USER: 'catalogue_main',
      MAIN_DB_PASSWORD: undefined,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      steps(run.stdout).filter((s) => s.action !== 'unchanged'),
      [],
    );
    assert.ok(passwordMatches(await brokerUserHash('catalogue_main'), brokerUsers.main.password));
    const connection = await amqplib.connect(amqpUrl(brokerUsers.main));
    await connection.close();
    const db = await mysql.createConnection({
      host: TEST_DB.host,
      port: TEST_DB.port,
      user: names.MAIN_DB_USER,
      password: passwords.MAIN_DB_PASSWORD,
      database: names.MAIN_DB_NAME,
    });
    await db.end();
  });
});
