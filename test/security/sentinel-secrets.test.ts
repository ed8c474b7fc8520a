import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import request from 'supertest';
import { hashPassword } from '@catalogue/admin-service/dist/auth/passwords';
import {
  createTestDatabaseUser,
  eventually,
  publishRaw,
  startLocalSecretsManager,
  TEST_DB,
  TEST_RABBITMQ_URL,
} from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/** Secrets with values that cannot occur by chance: if any appears anywhere we captured, it leaked. */
const SENTINELS = {
  dbMain: 'SENTINEL-db-main-q7Zx41',
  dbAdmin: 'SENTINEL-db-admin-q7Zx41',
  brokerMain: 'SENTINEL-amqp-main-q7Zx41',
  brokerAdmin: 'SENTINEL-amqp-admin-q7Zx41',
  brokerOps: 'SENTINEL-amqp-ops-q7Zx41',
  redis: 'SENTINEL-redis-q7Zx41',
  clientAddress: 'SENTINEL-client-address-q7Zx41-0123456789',
};
/** A Redis that is not there: every rate limit fails open and says so in the logs, without the password. */
const REDIS_URL = `redis://:${SENTINELS.redis}@127.0.0.1:9`;
/** A JWT private key and the pieces of it that must never show: a slice of the PEM body and its private exponents. */
function sentinelKey(): { pem: string; pieces: string[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const jwk = privateKey.export({ format: 'jwk' });
  return { pem, pieces: [pem.split('\n')[5]!, String(jwk.d).slice(0, 40), String(jwk.p).slice(0, 40), String(jwk.q).slice(0, 40)] };
}
const { pem: privatePem, pieces: keySentinels } = sentinelKey();

const captured: { where: string; text: string }[] = [];
const capture = (where: string, text: string) => captured.push({ where, text });

let system: SystemUnderTest;
let stopped = false;
let spy: { connection: amqplib.ChannelModel; channel: amqplib.Channel };
const restore: (() => void)[] = [];

before(async () => {
  // Whatever reaches the process's stdout and stderr (console output of any library) is captured too.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      capture('stdio', String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  system = await startSystem({
    leastPrivilegeBroker: true,
    brokerPasswords: { main: SENTINELS.brokerMain, admin: SENTINELS.brokerAdmin },
    dbPasswords: { main: SENTINELS.dbMain, admin: SENTINELS.dbAdmin },
    // The operator's broker user with a password the broker refuses: replay fails, and must not say why in a way that leaks it.
    env: {
      admin: {
        JWT_PRIVATE_KEY: privatePem,
        OPS_RABBITMQ_URL: `amqp://guest:${SENTINELS.brokerOps}@127.0.0.1:5672`,
        REDIS_URL,
        CLIENT_ADDRESS_SECRET: SENTINELS.clientAddress,
      },
      main: { REDIS_URL, CLIENT_ADDRESS_SECRET: SENTINELS.clientAddress },
    },
    logDestination: { write: (line: string) => capture('log', line) },
  });
  // A spy on every exchange (as the broker administrator): every message either service publishes.
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, system.topology.adminExchange, '#');
  await channel.bindQueue(queue, system.topology.mainExchange, '#');
  for (const key of [system.topology.mainQueue, system.topology.adminQueue])
    await channel.bindQueue(queue, system.topology.deadLetterExchange, key);
  await channel.consume(
    queue,
    (message) => message && capture('message', `${JSON.stringify(message.properties)} ${message.content.toString('utf8')}`),
    { noAck: true },
  );
  spy = { connection, channel };
});
after(async () => {
  await spy?.connection.close();
  if (system && !stopped) await system.stop();
  for (const undo of restore) undo();
});

/** Records a response's status line, headers and body. */
function record(res: request.Response): request.Response {
  capture('response', `${res.status} ${JSON.stringify(res.headers)} ${res.text ?? ''}`);
  return res;
}

describe('secrets given as sentinel values', () => {
  test('a working day of both services: sign-in, writes, likes, errors, probes, a broker outage, a poison message, shutdown', async () => {
    const admin = () => request(system.admin.http);
    const main = () => request(system.main.app);
    await system.admin.dataSource.query(
      "INSERT INTO users (email, name, password_hash, role) VALUES ('boss@example.test', 'Boss', ?, 'staff')",
      [await hashPassword('boss-password')],
    );

    const signIn = record(
      await admin().post('/api/auth/login').send({ email: 'boss@example.test', password: 'boss-password' }).expect(200),
    );
    record(await admin().post('/api/auth/login').send({ email: 'boss@example.test', password: 'wrong' }).expect(401));
    // Through main, which signs the client's address with CLIENT_ADDRESS_SECRET; and a forged header straight to admin.
    record(await main().post('/api/auth/login').send({ email: 'boss@example.test', password: 'boss-password' }).expect(200));
    record(await main().post('/api/auth/login').send({ email: 'boss@example.test', password: 'wrong' }).expect(401));
    record(
      await admin()
        .post('/api/auth/login')
        .set('x-catalogue-client-address', 'a=203.0.113.9;t=1;s=forged')
        .send({ email: 'boss@example.test', password: 'wrong' })
        .expect(401),
    );
    const staff = `Bearer ${signIn.body.token}`;
    const created = record(
      await admin()
        .post('/api/products')
        .set('authorization', staff)
        .send({ title: 'Sentinel lamp', image: 'https://img.example/s.png' })
        .expect(201),
    );
    const id = created.body.id as number;
    record(
      await admin()
        .put(`/api/products/${id}`)
        .set('authorization', staff)
        .send({ title: 'Sentinel lamp 2', image: 'https://img.example/s.png' })
        .expect(202),
    );
    record(await admin().post('/api/products').set('authorization', staff).set('content-type', 'application/json').send('{"title":'));
    record(
      await admin()
        .post('/api/products')
        .set('authorization', staff)
        .send({ title: 'x'.repeat(30_000) }),
    );
    record(await admin().get('/api/products').set('authorization', 'Bearer forged.token.here'));
    record(await admin().get('/api/operations/dead-letters').set('authorization', staff).expect(503));
    record(
      await admin().post('/api/operations/dead-letters/replay').set('authorization', staff).send({ queue: 'main', all: true }).expect(503),
    );
    for (const path of ['/api/health', '/readyz', '/livez', '/ready', '/.well-known/jwks.json', '/metrics', '/api/nothing']) {
      record(await admin().get(path));
      record(await main().get(path));
    }
    await eventually(async () => (await main().get(`/api/products/${id}`)).status === 200, { what: 'the product in main' });

    const customer = `Bearer ${await system.tokenFor('31', 'customer')}`;
    record(await main().post(`/api/products/${id}/like`).set('authorization', customer).expect(200));
    record(await main().post(`/api/products/${id}/like`).set('authorization', customer).expect(400));
    record(await main().post(`/api/products/${id}/like`).expect(401));

    // The broker goes away: reconnection attempts are logged (with the URL), likes still succeed.
    system.mainBrokerProxy.setMode('reset');
    await eventually(async () => record(await main().get('/api/health')).body.checks?.broker === 'down', {
      what: 'main to notice the broker is gone',
    });
    record(
      await main()
        .post(`/api/products/${id}/like`)
        .set('authorization', `Bearer ${await system.tokenFor('32', 'customer')}`)
        .expect(200),
    );
    await eventually(async () => captured.some((c) => c.where === 'log' && c.text.includes('RabbitMQ unreachable')), {
      what: 'a failed reconnection logged',
    });
    system.mainBrokerProxy.setMode('pass');
    await eventually(async () => (await admin().get(`/api/products/${id}`).set('authorization', staff)).body.likes === 2, {
      timeoutMs: 20_000,
      what: 'both likes counted',
    });

    await publishRaw(system.topology.mainExchange, 'product_liked', '{"not": "an event"}');
    await eventually(async () => captured.some((c) => c.where === 'message' && c.text.includes('x-dead-letter-reason')), {
      what: 'the dead letter',
    });
    record(await admin().delete(`/api/products/${id}`).set('authorization', staff).expect(204));
    await system.stop();
    stopped = true;

    assert.ok(captured.filter((c) => c.where === 'log').length > 20, 'logs were captured');
    assert.ok(captured.filter((c) => c.where === 'message').length >= 5, 'published messages were captured');
    assert.ok(captured.filter((c) => c.where === 'response').length > 20, 'responses were captured');
    assert.ok(
      captured.some((c) => c.where === 'log' && c.text.includes('rate-limit store (Redis) unavailable')),
      "the rate limits' Redis failures were logged",
    );
    for (const secret of [...Object.values(SENTINELS), ...keySentinels]) {
      const leaks = captured.filter((c) => c.text.includes(secret)).map((c) => `${c.where}: ${c.text.slice(0, 200)}`);
      assert.deepEqual(leaks, [], `a secret leaked (${secret.slice(0, 12)}...)`);
    }
  });
});

describe('secrets that rotate, given as sentinel values', () => {
  test('database passwords and signing keys read from Secrets Manager, rotated, refused and unreachable, never show in logs, errors, metrics or responses', async () => {
    const ROTATING = {
      first: 'SENTINEL-db-rot-first-Lp93',
      refused: 'SENTINEL-db-rot-refused-Lp93',
      second: 'SENTINEL-db-rot-second-Lp93',
    };
    const [keyA, keyB] = [sentinelKey(), sentinelKey()];
    const sm = await startLocalSecretsManager();
    process.env.AWS_ACCESS_KEY_ID = sm.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = sm.env.AWS_SECRET_ACCESS_KEY;
    const [dbSecret, jwtSecret] = ['sentinel/main-db', 'sentinel/admin-jwt'];
    // Main starts as the test's administrator; the secret moves it to a user of its own below.
    sm.put(dbSecret, JSON.stringify({ username: TEST_DB.user, password: TEST_DB.password }));
    sm.put(jwtSecret, keyA.pem);
    const fromSecrets = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_REGION: 'eu-west-1',
      SECRET_REFRESH_SECONDS: '1',
      SECRET_MIN_INTERVAL_SECONDS: '1',
    };
    const rotating = await startSystem({
      env: {
        main: { ...fromSecrets, DB_SECRET_ID: dbSecret, PRODUCT_LIST_CACHE_MS: '0' },
        admin: { ...fromSecrets, JWT_PRIVATE_KEY_SECRET_ID: jwtSecret },
      },
      logDestination: { write: (line: string) => capture('log', line) },
    });
    const user = await createTestDatabaseUser(rotating.databases.main, ROTATING.first, 'tsent_');
    const secretOf = (password: string) => JSON.stringify({ username: user.name, password, engine: 'mysql' });
    const main = () => request(rotating.main.app);
    const admin = () => request(rotating.admin.http);
    const probe = async () => {
      for (const path of ['/api/products?limit=2', '/api/health', '/metrics']) record(await main().get(path));
      for (const path of ['/.well-known/jwks.json', '/api/health', '/metrics']) record(await admin().get(path));
    };
    try {
      // The secret names a user of its own: the next refresh moves main's new connections to it.
      sm.put(dbSecret, secretOf(ROTATING.first));
      await eventually(
        async () => {
          record(await main().get('/api/products?limit=1'));
          return (await user.connectionIds()).length > 0;
        },
        { timeoutMs: 20_000, what: 'main on the secret user' },
      );

      // The password changes, but the secret names a password the database refuses: refused logins, 503s.
      await user.setPassword(ROTATING.second);
      sm.put(dbSecret, secretOf(ROTATING.refused));
      await user.killConnections();
      await eventually(async () => record(await main().get('/api/products?limit=1')).status === 503, {
        timeoutMs: 20_000,
        what: 'a refused login answered 503',
      });
      await probe();
      // Secrets Manager goes away for a while: failed reads, logged and counted.
      sm.failing(true);
      await eventually(async () => captured.some((c) => c.where === 'log' && c.text.includes('could not read the secret again')), {
        timeoutMs: 20_000,
        what: 'a failed re-read logged',
      });
      sm.failing(false);
      // The secret catches up: main serves again.
      sm.put(dbSecret, secretOf(ROTATING.second));
      await eventually(async () => record(await main().get('/api/products?limit=1')).status === 200, {
        timeoutMs: 20_000,
        what: 'main to serve with the rotated password',
      });

      // The signing key rotates: published first, then signing; tokens of both keys verify on main.
      const before = await rotating.tokenFor('71', 'customer');
      sm.put(jwtSecret, keyB.pem, 'AWSPENDING');
      sm.promotePending(jwtSecret);
      await eventually(async () => (await rotating.tokenFor('72', 'customer')).split('.')[0] !== before.split('.')[0], {
        timeoutMs: 20_000,
        what: 'admin to sign with the new key',
      });
      await eventually(
        async () =>
          record(
            await main()
              .get('/api/me/likes?products=1')
              .set('authorization', `Bearer ${await rotating.tokenFor('73', 'customer')}`),
          ).status === 200,
        {
          timeoutMs: 20_000,
          what: 'main to accept the new key',
        },
      );
      record(await main().get('/api/me/likes?products=1').set('authorization', `Bearer ${before}`).expect(200));
      // A key that is not one: admin keeps the keys in use and says why without quoting it.
      sm.put(jwtSecret, `-----BEGIN PRIVATE KEY-----\n${ROTATING.refused}\n-----END PRIVATE KEY-----`);
      await eventually(async () => captured.some((c) => c.where === 'log' && /AWSCURRENT version of JWT private key secret/.test(c.text)), {
        timeoutMs: 20_000,
        what: 'the broken key refused',
      });
      await probe();
    } finally {
      await rotating.stop();
      await user.drop();
      await sm.close();
    }

    assert.ok(
      captured.some((c) => c.where === 'log' && c.text.includes('database credentials changed')),
      'the rotation was logged',
    );
    for (const secret of [...Object.values(ROTATING), ...keyA.pieces, ...keyB.pieces]) {
      const leaks = captured.filter((c) => c.text.includes(secret)).map((c) => `${c.where}: ${c.text.slice(0, 200)}`);
      assert.deepEqual(leaks, [], `a secret leaked (${secret.slice(0, 12)}...)`);
    }
  });
});
