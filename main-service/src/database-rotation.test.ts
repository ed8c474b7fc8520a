import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import {
  createTestDatabase,
  createTestDatabaseUser,
  createTestNamespace,
  eventually,
  freePort,
  sampleValue,
  startLocalSecretsManager,
  startProcess,
  TEST_DB,
  uniqueName,
  type LocalSecretsManager,
  type RunningProcess,
  type TestDatabase,
  type TestDatabaseUser,
} from '@catalogue/shared/testing';

/*
 * main-service as its container runs it, with DB_SECRET_ID served by a local Secrets Manager:
 * the database user's password (or the user itself) changes, the secret with it, every connection
 * of the service is KILLed, and requests must succeed again, bounded in time, without a restart.
 */
let db: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;
let sm: LocalSecretsManager;
const users: TestDatabaseUser[] = [];

before(async () => {
  sm = await startLocalSecretsManager();
  db = await createTestDatabase('main');
  await migrateSchema('main', db.credentials);
  ns = createTestNamespace();
});
after(async () => {
  for (const user of users) await user.drop();
  await db.drop();
  await ns.cleanup();
  await sm.close();
});

async function user(password: string): Promise<TestDatabaseUser> {
  const created = await createTestDatabaseUser(db.credentials.database, password, 'tmr_');
  users.push(created);
  return created;
}

const secretOf = (login: TestDatabaseUser, password: string) =>
  JSON.stringify({
    username: login.name,
    password,
    engine: 'mysql',
    host: TEST_DB.host,
    port: TEST_DB.port,
    dbname: db.credentials.database,
  });

async function startMain(secretId: string): Promise<{ main: RunningProcess; url: string }> {
  const port = await freePort();
  const main = startProcess(join(__dirname, 'main.js'), {
    ...sm.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    AMQP_NAMESPACE: ns.namespace,
    DB_SECRET_ID: secretId,
    // Every list request reaches the database, and a refused login may read the secret once a second.
    PRODUCT_LIST_CACHE_MS: '0',
    SECRET_MIN_INTERVAL_SECONDS: '1',
    RESYNC_ON_EMPTY: 'false',
    SHUTDOWN_TIMEOUT_MS: '10000',
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/api/health`).catch(() => undefined))?.ok, {
    timeoutMs: 30_000,
    what: `main-service on ${url}; output: ${main.output()}`,
  });
  return { main, url };
}

/** Ten list requests at once; true when all of them answered 200. */
async function allServed(url: string): Promise<boolean> {
  const statuses = await Promise.all(
    Array.from({ length: 10 }, () =>
      fetch(`${url}/api/products?limit=5`, { signal: AbortSignal.timeout(10_000) }).then(
        (res) => res.status,
        () => 0,
      ),
    ),
  );
  return statuses.every((status) => status === 200);
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe('main-service follows its database secret without a restart', () => {
  test('single user: the password changes in the database and the secret, connections are killed, requests succeed again', async () => {
    const login = await user('single-pw-one');
    const secretId = uniqueName('main/db-single-');
    sm.put(secretId, secretOf(login, 'single-pw-one'));
    const { main, url } = await startMain(secretId);
    try {
      assert.ok(await allServed(url));
      const readsAtStart = sm.callsFor(secretId);

      await login.setPassword('single-pw-two');
      sm.put(secretId, secretOf(login, 'single-pw-two'));
      const killed = await login.killConnections();
      assert.ok(killed.length > 0, 'the service had connections open');
      const rotatedAt = Date.now();

      await eventually(() => allServed(url), {
        timeoutMs: 30_000,
        what: `requests to succeed after the rotation; output: ${main.output()}`,
      });
      const recoveredIn = Date.now() - rotatedAt;
      assert.equal(main.child.exitCode, null, 'the same process serves: no restart');
      const open = await login.connectionIds();
      assert.ok(open.length > 0 && open.every((id) => !killed.includes(id)), 'new connections, with the new password');
      const reads = sm.callsFor(secretId) - readsAtStart;
      assert.ok(
        reads >= 1 && reads <= Math.ceil(recoveredIn / 1000) + 2,
        `the secret was read again, at most once a second (${reads} reads in ${recoveredIn} ms)`,
      );

      const metrics = await scrape(url);
      assert.equal(sampleValue(metrics, 'catalogue_credential_changes_total', { credential: 'database' }), 1);
      assert.ok(sampleValue(metrics, 'catalogue_database_auth_failures_total') >= 1, 'the refused logins were counted');
      assert.ok(sampleValue(metrics, 'catalogue_secret_reads_total', { secret: 'database', outcome: 'ok' }) >= 2);
      assert.match(main.output(), /database credentials changed/);
      for (const password of ['single-pw-one', 'single-pw-two']) {
        assert.ok(!main.output().includes(password) && !metrics.includes(password), 'no password in the output or the metrics');
      }
      assert.equal(await main.stop('SIGTERM'), 0, main.output());
    } finally {
      await main.stop('SIGKILL');
    }
  });

  test('alternating users: the secret names another user, the old one is rotated out, connections are killed, requests succeed again as the new user', async () => {
    const [first, second] = [await user('alt-pw-first'), await user('alt-pw-second')];
    const secretId = uniqueName('main/db-alternating-');
    sm.put(secretId, secretOf(first, 'alt-pw-first'));
    const { main, url } = await startMain(secretId);
    try {
      assert.ok(await allServed(url));
      assert.ok((await first.connectionIds()).length > 0);

      // What RDS's alternating-users rotation does: the clone takes over in the secret, then the old user's password changes.
      sm.put(secretId, secretOf(second, 'alt-pw-second'));
      await first.setPassword('alt-pw-first-rotated');
      await first.killConnections();

      await eventually(() => allServed(url), {
        timeoutMs: 30_000,
        what: `requests to succeed as the second user; output: ${main.output()}`,
      });
      assert.equal(main.child.exitCode, null, 'no restart');
      assert.ok((await second.connectionIds()).length > 0, 'connections as the second user');
      await eventually(async () => (await first.connectionIds()).length === 0, { what: 'no connection left as the first user' });
      const metrics = await scrape(url);
      assert.equal(sampleValue(metrics, 'catalogue_credential_changes_total', { credential: 'database' }), 1);
      assert.ok(!main.output().includes('alt-pw-'), 'no password in the output');
      assert.equal(await main.stop('SIGTERM'), 0, main.output());
    } finally {
      await main.stop('SIGKILL');
    }
  });
});
