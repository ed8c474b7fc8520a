import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { databaseCredentialSource } from '../config/database-credentials';
import { createLogger } from '../logging/logger';
import { credentialEvents } from '../observability/credential-events';
import { openDatabase } from '../runtime/startup';
import {
  createTestDatabase,
  createTestDatabaseUser,
  eventually,
  startLocalSecretsManager,
  TEST_DB,
  uniqueName,
  type LocalSecretsManager,
  type TestDatabase,
  type TestDatabaseUser,
} from '../testing';
import { createDataSource } from './data-source';
import { isConnectionError } from './errors';
import { createTransactionRunner } from './transaction';

/*
 * The pool under TypeORM follows the database secret: real MariaDB users of this test's own,
 * a local server speaking Secrets Manager's protocol, and connections KILLed as root.
 */
let db: TestDatabase;
let sm: LocalSecretsManager;
const users: TestDatabaseUser[] = [];
const openSources: { close(): void }[] = [];
const openDataSources: DataSource[] = [];
const lines: string[] = [];
const logger = createLogger({ service: 'rotating-pool-test', level: 'debug', destination: { write: (line: string) => lines.push(line) } });

before(async () => {
  sm = await startLocalSecretsManager();
  process.env.AWS_ACCESS_KEY_ID = sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = sm.env.AWS_SECRET_ACCESS_KEY;
  db = await createTestDatabase('rot');
  const root = await mysql.createConnection({ ...TEST_DB, database: db.credentials.database });
  try {
    await root.query('CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(50) NOT NULL)');
  } finally {
    await root.end();
  }
});
after(async () => {
  for (const dataSource of openDataSources) if (dataSource.isInitialized) await dataSource.destroy();
  for (const source of openSources) source.close();
  for (const user of users) await user.drop();
  await db.drop();
  await sm.close();
});

async function user(password: string): Promise<TestDatabaseUser> {
  const created = await createTestDatabaseUser(db.credentials.database, password, 'trp_');
  users.push(created);
  return created;
}

const secretOf = (login: TestDatabaseUser, password: string) =>
  JSON.stringify({ username: login.name, password, host: TEST_DB.host, port: TEST_DB.port });

async function open(secretId: string, options: { refreshIntervalMs?: number; minIntervalMs: number }): Promise<DataSource> {
  const settings = {
    DB_HOST: TEST_DB.host,
    DB_PORT: TEST_DB.port,
    DB_SECRET_ID: secretId,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
  };
  const source = await databaseCredentialSource(settings, db.credentials.database, { logger, minIntervalMs: options.minIntervalMs });
  openSources.push(source);
  const dataSource = createDataSource({
    credentials: source.current,
    poolSize: 4,
    rotation: { source, refreshIntervalMs: options.refreshIntervalMs ?? 0, retryRefusedAfterMs: options.minIntervalMs, logger },
  });
  openDataSources.push(dataSource);
  await dataSource.initialize();
  return dataSource;
}

const loggedInAs = async (dataSource: DataSource) =>
  ((await dataSource.query("SELECT SUBSTRING_INDEX(USER(), '@', 1) AS name")) as { name: string }[])[0]!.name;
const succeeds = (work: Promise<unknown>) =>
  work.then(
    () => true,
    () => false,
  );
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a pool whose credentials come from a secret', () => {
  test('after a password rotation and killed connections, queries log in with the new password; a burst of refusals causes one read', async () => {
    const login = await user('pw-one');
    const secretId = uniqueName('rot/single-');
    sm.put(secretId, secretOf(login, 'pw-one'));
    const dataSource = await open(secretId, { minIntervalMs: 1000 });
    await Promise.all(Array.from({ length: 4 }, () => dataSource.query('SELECT SLEEP(0.05)')));
    // Reads are at least a second apart: let that second pass, so the first refusal may read.
    await pause(1100);

    await login.setPassword('pw-two');
    sm.put(secretId, secretOf(login, 'pw-two'));
    const killed = await login.killConnections();
    assert.ok(killed.length > 0, 'the pool had connections open');
    const [reads, refusals, changes] = [
      sm.callsFor(secretId),
      credentialEvents.databaseAuthFailures(),
      credentialEvents.changesOf('database'),
    ];

    // Thirty queries at once: the dead connections fail or are replaced; new logins are refused until the secret is read.
    const burst = await Promise.all(Array.from({ length: 30 }, () => succeeds(dataSource.query('SELECT 1'))));
    assert.ok(burst.some(Boolean), 'queries succeed again in the same burst');
    await eventually(() => succeeds(dataSource.query('SELECT 1')), { what: 'queries to succeed', timeoutMs: 15_000 });
    assert.ok(
      sm.callsFor(secretId) - reads <= 2,
      `one read for the burst (at most one more if recovery outlasted the interval), got ${sm.callsFor(secretId) - reads}`,
    );
    assert.ok(credentialEvents.databaseAuthFailures() > refusals, 'the refusals were counted');
    assert.equal(credentialEvents.changesOf('database'), changes + 1);
    const now = await login.connectionIds();
    assert.ok(now.length > 0 && now.every((id) => !killed.includes(id)), 'only new connections are open');
    assert.deepEqual(
      lines.filter((line) => line.includes('pw-two') || line.includes('pw-one')),
      [],
      'no password in the logs',
    );
  });

  test('a transaction running when the user changes (alternating users) finishes on its connection; new work uses the new user; old connections close', async () => {
    const [first, second] = [await user('alt-one'), await user('alt-two')];
    const secretId = uniqueName('rot/alternating-');
    sm.put(secretId, secretOf(first, 'alt-one'));
    const dataSource = await open(secretId, { refreshIntervalMs: 300, minIntervalMs: 200 });
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query("INSERT INTO notes (body) VALUES ('before the change')");
      sm.put(secretId, secretOf(second, 'alt-two'));
      await eventually(async () => (await loggedInAs(dataSource)) === second.name, {
        what: 'new work as the second user',
        timeoutMs: 15_000,
      });
      const [{ name }] = (await runner.query("SELECT SUBSTRING_INDEX(USER(), '@', 1) AS name")) as { name: string }[];
      assert.equal(name, first.name, 'the transaction kept its connection');
      await runner.query("INSERT INTO notes (body) VALUES ('after the change')");
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const rows = (await dataSource.query("SELECT COUNT(*) AS n FROM notes WHERE body IN ('before the change', 'after the change')")) as {
      n: string | number;
    }[];
    assert.equal(Number(rows[0]!.n), 2, 'the transaction committed both rows');
    await eventually(async () => (await first.connectionIds()).length === 0, {
      what: "the first user's connections to close once returned",
      timeoutMs: 15_000,
    });
  });

  test('an unreachable Secrets Manager never stops a pool whose connections work', async () => {
    const login = await user('steady-pw');
    const secretId = uniqueName('rot/outage-');
    sm.put(secretId, secretOf(login, 'steady-pw'));
    const dataSource = await open(secretId, { refreshIntervalMs: 200, minIntervalMs: 100 });
    const errors = credentialEvents.secretReads('database', 'error');
    sm.failing(true);
    try {
      await eventually(async () => credentialEvents.secretReads('database', 'error') >= errors + 2, {
        what: 'two failed re-reads',
        timeoutMs: 20_000,
      });
      assert.equal(await loggedInAs(dataSource), login.name);
      await login.killConnections();
      // The connections died; the credentials in hand still work, so new ones open without the secret.
      await eventually(() => succeeds(dataSource.query('SELECT 1')), { what: 'queries after the kill', timeoutMs: 15_000 });
    } finally {
      sm.failing(false);
    }
  });

  test('a refused login with nothing new in the secret is a connection error, read again only at the minimum interval; it heals once the secret changes', async () => {
    const login = await user('old-pw');
    const secretId = uniqueName('rot/stale-');
    sm.put(secretId, secretOf(login, 'old-pw'));
    const dataSource = await open(secretId, { minIntervalMs: 500 });
    await login.setPassword('new-pw');
    await login.killConnections();
    const reads = sm.callsFor(secretId);
    const started = Date.now();
    let refused: unknown;
    for (let i = 0; i < 40; i++) {
      await dataSource.query('SELECT 1').catch((err: unknown) => (refused = err));
      await pause(10);
    }
    assert.ok(isConnectionError(refused), 'answered as the database being unavailable (503), not as a bug');
    const elapsed = Date.now() - started;
    assert.ok(
      sm.callsFor(secretId) - reads <= Math.ceil(elapsed / 500) + 1,
      `reads bounded by the interval: ${sm.callsFor(secretId) - reads} in ${elapsed} ms`,
    );

    // The idempotent transaction runner (the consumer waits out connection errors the same way) heals with the secret.
    sm.put(secretId, secretOf(login, 'new-pw'));
    const run = createTransactionRunner(dataSource, { idempotent: true });
    await eventually(() => succeeds(run((tx) => tx.query("INSERT INTO notes (body) VALUES ('healed')"))), {
      what: 'a transaction after the secret changed',
      timeoutMs: 15_000,
    });
  });

  test('a service starting while its secret holds a refused password keeps reading the secret, and starts once it is fixed', async () => {
    const login = await user('right-pw');
    const secretId = uniqueName('rot/start-');
    sm.put(secretId, secretOf(login, 'wrong-pw'));
    const settings = {
      DB_HOST: TEST_DB.host,
      DB_PORT: TEST_DB.port,
      DB_SECRET_ID: secretId,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      DB_POOL_SIZE: 2,
      SECRET_REFRESH_SECONDS: 300,
      SECRET_MIN_INTERVAL_SECONDS: 1,
    };
    const opening = openDatabase(settings, db.credentials.database, logger, { maxWaitMs: 30_000 });
    await eventually(async () => lines.some((line) => line.includes('refused the login; retrying')), { what: 'a refused start logged' });
    sm.put(secretId, secretOf(login, 'right-pw'));
    const dataSource = await opening;
    openDataSources.push(dataSource);
    assert.equal(await loggedInAs(dataSource), login.name);
  });
});
