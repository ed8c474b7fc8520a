import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import mysql from 'mysql2/promise';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadSigningKey } from '@catalogue/admin-service/dist/auth/signing-key';
import { fixedKeys } from '@catalogue/admin-service/dist/auth/signing-keys';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { dropRuntimeUser, ensureRuntimeUser, migrateSchema } from '@catalogue/migrations';
import { assertTopology, createLogger, topologyFor } from '@catalogue/shared';
import { createTestDatabase, eventually, TEST_DB, uniqueName, type TestDatabase } from '@catalogue/shared/testing';
import { freePort, PrivateRabbitMq } from '../faults/harness/servers';
import { ServiceProcess } from '../faults/harness/service-process';

/**
 * Issue 13's "done when": the broker stopped for 30 s with both services running as `npm start`
 * runs them (its development environment, each service's relay and consumer in its own process),
 * readiness stays 2xx throughout, likes are answered 200 while the broker is away, and each is
 * counted in admin once it is back. The broker is a private node on free ports (the machine's is
 * never touched); the test always starts it again and tears everything down.
 */
const OUTAGE_MS = 30_000;
const LIKES_DURING_OUTAGE = 6;

interface DevEnv {
  DEV_SHARED: Record<string, string>;
  DEV_MAIN: Record<string, string>;
  DEV_ADMIN: Record<string, string>;
}
// The environment `npm start` gives each service (scripts/dev-env.mjs), read from the script itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS test loads an ES module synchronously (require(esm), Node 24)
const dev = require(path.resolve(__dirname, '../../../scripts/dev-env.mjs')) as DevEnv;

const broker = new PrivateRabbitMq();
let brokerStopped = false;
const databases: TestDatabase[] = [];
const dbUsers = { main: uniqueName('om_'), admin: uniqueName('oa_') };
let main: ServiceProcess;
let admin: ServiceProcess;
let tokens: TokensService;
let staff: string;

before(async () => {
  const [mainDb, adminDb] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin'), broker.init()]);
  databases.push(mainDb, adminDb);
  await Promise.all([migrateSchema('main', mainDb.credentials), migrateSchema('admin', adminDb.credentials)]);
  // Each service on a run-time user with row rights only, as `npm run setup` makes them.
  const passwords = { main: uniqueName('pw-'), admin: uniqueName('pw-') };
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    await ensureRuntimeUser(root, mainDb.credentials.database, dbUsers.main, passwords.main);
    await ensureRuntimeUser(root, adminDb.credentials.database, dbUsers.admin, passwords.admin);
  } finally {
    await root.end();
  }
  // The topology, declared once as `npm run setup` does; the services (AMQP_DECLARE_TOPOLOGY=false) only check it.
  const connection = await amqplib.connect(broker.url);
  try {
    await assertTopology(await connection.createConfirmChannel(), topologyFor(''), { deliveryLimit: 10 });
  } finally {
    await connection.close();
  }

  // One signing key for admin and this test, as `npm run setup` generates one for `npm start`.
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tokenConfig = loadAdminConfig({ NODE_ENV: 'development', DB_USER: 'unused', DB_PASSWORD: '', JWT_PRIVATE_KEY: signingKey });
  tokens = new TokensService(
    fixedKeys(await loadSigningKey(tokenConfig, createLogger({ service: 'outage-test', level: 'silent' }))),
    tokenConfig,
  );
  staff = (await tokens.issue('outage-test', 'staff', 3600)).token;

  const [mainPort, adminPort] = [await freePort(), await freePort()];
  // What differs from `npm start`: free ports, this test's databases and users, and the private broker.
  const place = (db: TestDatabase, user: string, password: string) => ({
    DB_HOST: db.credentials.host,
    DB_PORT: String(db.credentials.port),
    DB_NAME: db.credentials.database,
    DB_USER: user,
    DB_PASSWORD: password,
    RABBITMQ_URL: broker.url,
    LOG_LEVEL: 'warn',
  });
  admin = new ServiceProcess('admin', adminPort, {
    ...dev.DEV_SHARED,
    ...dev.DEV_ADMIN,
    ...place(adminDb, dbUsers.admin, passwords.admin),
    JWT_PRIVATE_KEY: signingKey,
    OPS_RABBITMQ_URL: broker.url,
  });
  main = new ServiceProcess('main', mainPort, {
    ...dev.DEV_SHARED,
    ...dev.DEV_MAIN,
    ...place(mainDb, dbUsers.main, passwords.main),
    ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    // `npm start` mints main a snapshot-reader credential for its resync, signed with the development key.
    ADMIN_TOKEN: (await tokens.issue('main-service', 'snapshot-reader', 3600)).token,
  });
  assert.equal(dev.DEV_MAIN.AMQP_DECLARE_TOPOLOGY, 'false', "npm start's services declare nothing");
  await admin.start();
  await main.start();
});

after(async () => {
  if (brokerStopped) await broker.ctl('start_app').catch(() => undefined);
  await Promise.allSettled([main?.stop(), admin?.stop()]);
  await broker.destroy();
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    await dropRuntimeUser(root, dbUsers.main);
    await dropRuntimeUser(root, dbUsers.admin);
  } finally {
    await root.end();
  }
  await Promise.all(databases.map((db) => db.drop()));
});

async function adminLikes(id: number): Promise<number> {
  const res = await fetch(`${admin.url}/api/products/${id}`, { headers: { authorization: `Bearer ${staff}` } });
  return ((await res.json()) as { likes: number }).likes;
}

async function like(id: number, user: string): Promise<number> {
  const token = (await tokens.issue(user, 'customer', 3600)).token;
  const res = await fetch(`${main.url}/api/products/${id}/like`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return res.status;
}

async function brokerSeenDown(service: ServiceProcess): Promise<boolean> {
  const body = (await (await fetch(`${service.url}/api/health`)).json()) as { checks: { broker: string } };
  return body.checks.broker === 'down';
}

/** Polls both services' readiness until stopped; every answer that is not 2xx (or no answer) is kept. */
function watchReadiness(): { failures: string[]; polls: () => number; stop: () => Promise<void> } {
  const failures: string[] = [];
  let polls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const service of [main, admin]) {
        try {
          const res = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(3000) });
          if (res.status < 200 || res.status > 299) failures.push(`${service.name} answered ${res.status} ${await res.text()}`);
        } catch (err) {
          failures.push(`${service.name} did not answer: ${(err as Error).message}`);
        }
      }
      polls++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    failures,
    polls: () => polls,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('the broker stopped for 30 s under the services as npm start runs them', () => {
  test('readiness stays 2xx, likes are answered 200 while it is away, and each is counted in admin once it is back', async () => {
    const created = await fetch(`${admin.url}/api/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Outage lamp', image: 'https://img.example/outage.png' }),
    });
    assert.equal(created.status, 201);
    const id = ((await created.json()) as { id: number }).id;
    await eventually(async () => (await fetch(`${main.url}/api/products/${id}`)).status === 200, {
      timeoutMs: 30_000,
      what: 'the product in main',
    });
    assert.equal(await like(id, 'before-outage'), 200);
    await eventually(async () => (await adminLikes(id)) === 1, { timeoutMs: 30_000, what: 'the first like counted' });

    const readiness = watchReadiness();
    try {
      await broker.ctl('stop_app');
      brokerStopped = true;
      const stoppedAt = Date.now();
      await eventually(async () => (await brokerSeenDown(main)) && (await brokerSeenDown(admin)), {
        timeoutMs: 20_000,
        what: 'both services to see the broker gone',
      });

      const answers: number[] = [];
      for (let i = 0; i < LIKES_DURING_OUTAGE; i++) {
        answers.push(await like(id, `during-outage-${i}`));
        // Spread over the outage; the broker stays away for the full 30 s whatever the pace.
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / (LIKES_DURING_OUTAGE + 1)));
      }
      assert.deepEqual(answers, Array(LIKES_DURING_OUTAGE).fill(200), 'every like answered 200 while the broker was away');
      assert.equal(await adminLikes(id), 1, 'none reached admin during the outage');
      const left = OUTAGE_MS - (Date.now() - stoppedAt);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      assert.ok(Date.now() - stoppedAt >= OUTAGE_MS);

      await broker.ctl('start_app');
      brokerStopped = false;
      await eventually(async () => (await adminLikes(id)) === 1 + LIKES_DURING_OUTAGE, {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: `every like counted in admin after the broker returned; main:\n${main.tail()}\nadmin:\n${admin.tail()}`,
      });
    } finally {
      await readiness.stop();
      if (brokerStopped) {
        await broker.ctl('start_app');
        brokerStopped = false;
      }
    }
    assert.deepEqual(readiness.failures, [], 'readiness stayed 2xx on both services throughout');
    assert.ok(readiness.polls() >= 40, `readiness was polled throughout (${readiness.polls()} rounds)`);

    // Counted once each: with main's outbox empty, nothing more can arrive.
    await eventually(async () => (await fetch(`${main.url}/api/health`)).ok && !(await brokerSeenDown(main)), {
      what: 'main back on the broker',
    });
    const mainSql = await mysql.createConnection({ ...databases[0]!.credentials });
    try {
      const outboxRows = async () => {
        const [rows] = await mainSql.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox');
        return Number(rows[0]!.n);
      };
      await eventually(async () => (await outboxRows()) === 0, { timeoutMs: 30_000, what: "main's outbox drained" });
    } finally {
      await mainSql.end();
    }
    assert.equal(await adminLikes(id), 1 + LIKES_DURING_OUTAGE);
  });
});
